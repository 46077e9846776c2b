package contracts_test

import (
	"crypto/sha256"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"google.golang.org/protobuf/proto"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/queryresult"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// ledger is the committed world state shared by the fake stubs of one test.
type ledger struct {
	state map[string][]byte
	// private holds the private data collections on the owner's peer; hashes holds the
	// hashes of private values, which every peer keeps.
	private map[string]map[string][]byte
	hashes  map[string]map[string][]byte
	// peerMSP is the org of the peer the stubs simulate on: only a member of a collection
	// ("personal" + org) holds its values (default MarketMSP).
	peerMSP string
	history map[string][]*queryresult.KeyModification // oldest first
	vparams map[string][]byte                         // key-level endorsement policies
	events  []chaincodeEvent                          // one per committed transaction at most
	fail    string                                    // name of a stub method that fails, for error-path tests
}

var errLedger = fmt.Errorf("peer unavailable")

type chaincodeEvent struct {
	name    string
	payload []byte
}

func newLedger() *ledger {
	return &ledger{state: map[string][]byte{}, history: map[string][]*queryresult.KeyModification{}, vparams: map[string][]byte{},
		private: map[string]map[string][]byte{}, hashes: map[string]map[string][]byte{}, peerMSP: "MarketMSP"}
}

type write struct {
	coll  string // "" = public state
	key   string
	value []byte // nil = delete (purge for private data)
}

// fakeStub is one transaction's stub. Like Fabric, reads see only committed state (no
// read-your-writes); writes become visible when the harness commits a successful
// transaction. The embedded interface is nil, so any method not faked here panics.
type fakeStub struct {
	shim.ChaincodeStubInterface
	ledger    *ledger
	txID      string
	ts        *timestamppb.Timestamp
	creator   []byte
	args      []string
	writes    []write // public state
	pwrites   []write // private data (PutPrivateData, PurgePrivateData)
	transient map[string][]byte
	vparams   map[string][]byte
	// pvtQueried is set by a range query over private data, after which Fabric refuses
	// private writes in the same transaction.
	pvtQueried bool
	event      *chaincodeEvent
}

func (s *fakeStub) GetFunctionAndParameters() (string, []string) {
	if len(s.args) == 0 {
		return "", nil
	}
	return s.args[0], s.args[1:]
}

func (s *fakeStub) GetCreator() ([]byte, error) { return s.creator, nil }
func (s *fakeStub) GetTxID() string             { return s.txID }
func (s *fakeStub) GetTxTimestamp() (*timestamppb.Timestamp, error) {
	if s.ledger.fail == "GetTxTimestamp" {
		return nil, errLedger
	}
	return s.ts, nil
}

func (s *fakeStub) GetState(key string) ([]byte, error) {
	if s.ledger.fail == "GetState" {
		return nil, errLedger
	}
	return s.ledger.state[key], nil
}

func checkKey(key string) error {
	if key == "" || !utf8.ValidString(key) {
		return fmt.Errorf("invalid key %q", key)
	}
	return nil
}

func (s *fakeStub) PutState(key string, value []byte) error {
	if s.ledger.fail == "PutState" || s.ledger.fail == "PutState:idx" && strings.HasPrefix(key, "idx~") {
		return errLedger
	}
	if err := checkKey(key); err != nil {
		return err
	}
	if len(value) == 0 {
		return fmt.Errorf("put %q: empty value", key)
	}
	s.writes = append(s.writes, write{key: key, value: append([]byte(nil), value...)})
	return nil
}

func (s *fakeStub) DelState(key string) error {
	if s.ledger.fail == "DelState" {
		return errLedger
	}
	if err := checkKey(key); err != nil {
		return err
	}
	s.writes = append(s.writes, write{key: key})
	return nil
}

func (s *fakeStub) SetStateValidationParameter(key string, ep []byte) error {
	if s.ledger.fail == "SetStateValidationParameter" {
		return errLedger
	}
	if s.vparams == nil {
		s.vparams = map[string][]byte{}
	}
	s.vparams[key] = ep
	return nil
}

func (s *fakeStub) SetEvent(name string, payload []byte) error {
	if s.ledger.fail == "SetEvent" {
		return errLedger
	}
	if name == "" {
		return fmt.Errorf("event name can not be empty string")
	}
	s.event = &chaincodeEvent{name: name, payload: payload}
	return nil
}

// GetStateByRangeWithPagination mimics the shim and peer: keys starting with \x00
// (composite keys) are refused; the bookmark is the next key ("" when exhausted).
func (s *fakeStub) GetStateByRangeWithPagination(startKey, endKey string, pageSize int32, bookmark string) (shim.StateQueryIteratorInterface, *peer.QueryResponseMetadata, error) {
	for _, k := range []string{startKey, endKey} {
		if strings.HasPrefix(k, "\x00") {
			return nil, nil, fmt.Errorf("first character of the key [%s] contains a null character which is not allowed", k)
		}
	}
	if s.ledger.fail == "GetStateByRangeWithPagination" {
		return nil, nil, errLedger
	}
	if bookmark != "" {
		startKey = bookmark
	}
	var keys []string
	for k := range s.ledger.state {
		if k >= startKey && (endKey == "" || k < endKey) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	next := ""
	if len(keys) > int(pageSize) {
		next = keys[pageSize]
		keys = keys[:pageSize]
	}
	it := &kvIterator{}
	for _, k := range keys {
		it.kvs = append(it.kvs, &queryresult.KV{Key: k, Value: s.ledger.state[k]})
	}
	return it, &peer.QueryResponseMetadata{FetchedRecordsCount: int32(len(keys)), Bookmark: next}, nil
}

// GetHistoryForKey returns the committed versions newest first, as Fabric 2.x does.
func (s *fakeStub) GetHistoryForKey(key string) (shim.HistoryQueryIteratorInterface, error) {
	if s.ledger.fail == "GetHistoryForKey" {
		return nil, errLedger
	}
	h := s.ledger.history[key]
	it := &historyIterator{}
	for i := len(h) - 1; i >= 0; i-- {
		it.mods = append(it.mods, h[i])
	}
	return it, nil
}

// collectionOrg is the only member org of a govchain personal collection.
func collectionOrg(coll string) string {
	return strings.TrimPrefix(coll, "personal") + "MSP"
}

// creatorMSP is the MSP of the transaction's creator.
func (s *fakeStub) creatorMSP() string {
	id := &msp.SerializedIdentity{}
	if err := proto.Unmarshal(s.creator, id); err != nil {
		return ""
	}
	return id.Mspid
}

func (s *fakeStub) GetTransient() (map[string][]byte, error) { return s.transient, nil }

// PutPrivateData mimics a collection with memberOnlyWrite: the creator must be a member.
func (s *fakeStub) PutPrivateData(coll, key string, value []byte) error {
	if s.ledger.fail == "PutPrivateData" {
		return errLedger
	}
	if err := checkKey(key); err != nil {
		return err
	}
	if collectionOrg(coll) != s.creatorMSP() {
		return fmt.Errorf("tx creator does not have write access permission on privatedata in chaincodeName:govchain collectionName: %s", coll)
	}
	if s.pvtQueried {
		return errPvtQueried
	}
	if len(value) == 0 {
		return fmt.Errorf("put private %q: empty value", key)
	}
	s.pwrites = append(s.pwrites, write{coll: coll, key: key, value: append([]byte(nil), value...)})
	return nil
}

func (s *fakeStub) PurgePrivateData(coll, key string) error {
	if s.ledger.fail == "PurgePrivateData" {
		return errLedger
	}
	if collectionOrg(coll) != s.creatorMSP() {
		return fmt.Errorf("tx creator does not have write access permission on privatedata in chaincodeName:govchain collectionName: %s", coll)
	}
	if s.pvtQueried {
		return errPvtQueried
	}
	s.pwrites = append(s.pwrites, write{coll: coll, key: key})
	return nil
}

// GetPrivateData returns the value only on a member peer (memberOnlyRead is off: the
// chaincode decides who reads).
func (s *fakeStub) GetPrivateData(coll, key string) ([]byte, error) {
	if s.ledger.fail == "GetPrivateData" {
		return nil, errLedger
	}
	if collectionOrg(coll) != s.ledger.peerMSP {
		return nil, nil
	}
	return s.ledger.private[coll][key], nil
}

// GetPrivateDataHash answers on every peer, as Fabric does.
func (s *fakeStub) GetPrivateDataHash(coll, key string) ([]byte, error) {
	if s.ledger.fail == "GetPrivateDataHash" {
		return nil, errLedger
	}
	return s.ledger.hashes[coll][key], nil
}

// errPvtQueried is Fabric's refusal of a private write after a private range query.
var errPvtQueried = fmt.Errorf("unsuppored transaction. Transaction has already performed queries on pvt data. Writes are not allowed")

func (s *fakeStub) GetPrivateDataByRange(coll, startKey, endKey string) (shim.StateQueryIteratorInterface, error) {
	s.pvtQueried = true
	if collectionOrg(coll) != s.ledger.peerMSP {
		return &kvIterator{}, nil
	}
	return rangeOf(s.ledger.private[coll], startKey, endKey), nil
}

func (s *fakeStub) GetStateByRange(startKey, endKey string) (shim.StateQueryIteratorInterface, error) {
	if s.ledger.fail == "GetStateByRange" {
		return nil, errLedger
	}
	return rangeOf(s.ledger.state, startKey, endKey), nil
}

func rangeOf(m map[string][]byte, startKey, endKey string) *kvIterator {
	var keys []string
	for k := range m {
		if k >= startKey && (endKey == "" || k < endKey) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	it := &kvIterator{}
	for _, k := range keys {
		it.kvs = append(it.kvs, &queryresult.KV{Key: k, Value: m[k]})
	}
	return it
}

// commit applies a successful transaction's writes, policies and event to the ledger.
func (s *fakeStub) commit() {
	l := s.ledger
	for _, w := range s.pwrites {
		if l.private[w.coll] == nil {
			l.private[w.coll], l.hashes[w.coll] = map[string][]byte{}, map[string][]byte{}
		}
		if w.value == nil {
			delete(l.private[w.coll], w.key)
			delete(l.hashes[w.coll], w.key)
			continue
		}
		sum := sha256.Sum256(w.value)
		l.private[w.coll][w.key], l.hashes[w.coll][w.key] = w.value, sum[:]
	}
	for _, w := range s.writes {
		if w.value == nil {
			delete(l.state, w.key)
		} else {
			l.state[w.key] = w.value
		}
		l.history[w.key] = append(l.history[w.key], &queryresult.KeyModification{
			TxId: s.txID, Value: w.value, Timestamp: s.ts, IsDelete: w.value == nil,
		})
	}
	for k, v := range s.vparams {
		l.vparams[k] = v
	}
	if s.event != nil {
		l.events = append(l.events, *s.event)
	}
}

type kvIterator struct {
	kvs []*queryresult.KV
	i   int
}

func (it *kvIterator) HasNext() bool { return it.i < len(it.kvs) }
func (it *kvIterator) Close() error  { return nil }
func (it *kvIterator) Next() (*queryresult.KV, error) {
	if !it.HasNext() {
		return nil, fmt.Errorf("no more results")
	}
	it.i++
	return it.kvs[it.i-1], nil
}

type historyIterator struct {
	mods []*queryresult.KeyModification
	i    int
}

func (it *historyIterator) HasNext() bool { return it.i < len(it.mods) }
func (it *historyIterator) Close() error  { return nil }
func (it *historyIterator) Next() (*queryresult.KeyModification, error) {
	if !it.HasNext() {
		return nil, fmt.Errorf("no more results")
	}
	it.i++
	return it.mods[it.i-1], nil
}
