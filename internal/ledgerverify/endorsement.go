package ledgerverify

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"

	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset/kvrwset"
	pb "github.com/hyperledger/fabric-protos-go-apiv2/peer"
	lb "github.com/hyperledger/fabric-protos-go-apiv2/peer/lifecycle"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// This file re-implements the endorsement policy side of Fabric's v2
// validator (core/committer/txvalidator/v20/plugindispatcher,
// core/handlers/validation/builtin/v20, core/common/validation/statebased,
// core/chaincode/lifecycle of the pinned Fabric), fed by the world state it
// depends on, tracked from the VALID transactions themselves: the chaincode
// definitions in the _lifecycle namespace and the key-level (state-based)
// endorsement policies in key metadata.

const (
	lifecycleNS       = "_lifecycle"
	implicitCollPfx   = "_implicit_org_"
	validationParamMD = "VALIDATION_PARAMETER" // pb.MetaDataKeys_VALIDATION_PARAMETER
)

// ChaincodeDefinition is the part of a chaincode definition committed in
// the _lifecycle namespace that validation uses.
type ChaincodeDefinition struct {
	Name     string
	Sequence int64
	// ValidationPlugin is normally "vscc"; this package applies the builtin
	// plugin's rules whatever it says.
	ValidationPlugin string
	// ValidationParameter is the chaincode endorsement policy: a marshalled
	// peer.ApplicationPolicy (a signature policy or a channel config
	// policy reference such as /Channel/Application/Endorsement).
	ValidationParameter []byte
	// Collections are the private data collections (nil if none).
	Collections *pb.CollectionConfigPackage
}

// KeyPolicy is a key-level (state-based) endorsement policy: the
// VALIDATION_PARAMETER metadata of a key, set with
// SetStateValidationParameter or SetPrivateDataValidationParameter.
type KeyPolicy struct {
	Namespace  string `json:"namespace"`
	Collection string `json:"collection,omitempty"`
	// Key is the key, or for a private data collection the SHA-256 of the
	// key, as the hashed read/write set carries it.
	Key []byte `json:"key"`
	// Policy is the metadata value: a marshalled common.SignaturePolicyEnvelope.
	Policy []byte `json:"policy"`
}

// ApplicationPolicy is the key-level policy as a marshalled
// peer.ApplicationPolicy, the form CheckEndorsementPolicy and DescribePolicy
// take (Fabric's v20 translation of the VALIDATION_PARAMETER).
func (kp KeyPolicy) ApplicationPolicy() []byte { return sbePolicy(kp.Policy) }

// PolicyState is the world state endorsement policy evaluation depends on,
// carried in a Checkpoint.
type PolicyState struct {
	// Lifecycle holds the _lifecycle namespace's public namespaces/… keys
	// (chaincode definitions, as lifecycle StateMetadata and StateData).
	Lifecycle map[string][]byte `json:"lifecycle"`
	// KeyPolicies are the key-level policies in force, one entry per
	// namespace, collection and policy with all the keys it applies to
	// (many keys share few policies), sorted.
	KeyPolicies []KeyPolicySet `json:"key_policies"`
}

// KeyPolicySet is one key-level policy and the keys of one namespace and
// collection that have it.
type KeyPolicySet struct {
	Namespace  string   `json:"namespace"`
	Collection string   `json:"collection,omitempty"`
	Policy     []byte   `json:"policy"` // a marshalled common.SignaturePolicyEnvelope
	Keys       [][]byte `json:"keys"`   // sorted; key hashes in a collection
}

type keyID struct{ ns, coll, key string }

// policyState is the tracked state; defs caches definitions derived from
// lifecycle and is dropped when lifecycle changes.
type policyState struct {
	lifecycle map[string][]byte
	keys      map[keyID][]byte
	defs      map[string]*ChaincodeDefinition
}

func newPolicyState() *policyState {
	return &policyState{lifecycle: map[string][]byte{}, keys: map[keyID][]byte{}, defs: map[string]*ChaincodeDefinition{}}
}

func (s *policyState) export() *PolicyState {
	out := &PolicyState{Lifecycle: map[string][]byte{}, KeyPolicies: []KeyPolicySet{}}
	for k, v := range s.lifecycle {
		out.Lifecycle[k] = bytes.Clone(v)
	}
	type group struct{ ns, coll, policy string }
	sets := map[group]*KeyPolicySet{}
	for k, v := range s.keys {
		g := group{k.ns, k.coll, string(v)}
		set := sets[g]
		if set == nil {
			set = &KeyPolicySet{Namespace: k.ns, Collection: k.coll, Policy: bytes.Clone(v)}
			sets[g] = set
		}
		set.Keys = append(set.Keys, []byte(k.key))
	}
	for _, set := range sets {
		sort.Slice(set.Keys, func(i, j int) bool { return bytes.Compare(set.Keys[i], set.Keys[j]) < 0 })
		out.KeyPolicies = append(out.KeyPolicies, *set)
	}
	sort.Slice(out.KeyPolicies, func(i, j int) bool {
		a, b := out.KeyPolicies[i], out.KeyPolicies[j]
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		if a.Collection != b.Collection {
			return a.Collection < b.Collection
		}
		return bytes.Compare(a.Policy, b.Policy) < 0
	})
	return out
}

func importPolicyState(p *PolicyState) *policyState {
	s := newPolicyState()
	for k, v := range p.Lifecycle {
		s.lifecycle[k] = bytes.Clone(v)
	}
	for _, set := range p.KeyPolicies {
		for _, k := range set.Keys {
			s.keys[keyID{set.Namespace, set.Collection, string(k)}] = bytes.Clone(set.Policy)
		}
	}
	return s
}

// update is one state change of a VALID transaction, applied when its block
// is committed: a _lifecycle key (val nil: deleted) or a key-level policy
// (val nil: none).
type update struct {
	lifecycle bool
	key       keyID
	val       []byte
}

func (s *policyState) apply(us []update) {
	for _, u := range us {
		if u.lifecycle {
			if u.val == nil {
				delete(s.lifecycle, u.key.key)
			} else {
				s.lifecycle[u.key.key] = u.val
			}
			s.defs = map[string]*ChaincodeDefinition{}
			continue
		}
		if u.val == nil {
			delete(s.keys, u.key)
		} else {
			s.keys[u.key] = u.val
		}
	}
}

// definition is ChaincodeDefinitionIfDefined: nil, nil when name has no
// definition.
func (s *policyState) definition(name string) (*ChaincodeDefinition, error) {
	if name == lifecycleNS {
		return &ChaincodeDefinition{Name: lifecycleNS, ValidationPlugin: "vscc"}, nil
	}
	if d, ok := s.defs[name]; ok {
		return d, nil
	}
	d, err := definitionFrom(s.lifecycle, name)
	if err != nil {
		return nil, err
	}
	s.defs[name] = d
	return d, nil
}

func definitionFrom(state map[string][]byte, name string) (*ChaincodeDefinition, error) {
	raw, ok := state["namespaces/metadata/"+name]
	if !ok {
		return nil, nil
	}
	md := &lb.StateMetadata{}
	if err := proto.Unmarshal(raw, md); err != nil {
		return nil, fmt.Errorf("chaincode %s metadata: %w", name, err)
	}
	if md.Datatype != "ChaincodeDefinition" {
		return nil, fmt.Errorf("namespace %s is a %q, not a chaincode", name, md.Datatype)
	}
	d := &ChaincodeDefinition{Name: name}
	field := func(f string) (*lb.StateData, error) {
		sd := &lb.StateData{}
		if err := proto.Unmarshal(state["namespaces/fields/"+name+"/"+f], sd); err != nil {
			return nil, fmt.Errorf("chaincode %s field %s: %w", name, f, err)
		}
		return sd, nil
	}
	sd, err := field("Sequence")
	if err != nil {
		return nil, err
	}
	d.Sequence = sd.GetInt64()
	if sd, err = field("ValidationInfo"); err != nil {
		return nil, err
	}
	vi := &lb.ChaincodeValidationInfo{}
	if err := proto.Unmarshal(sd.GetBytes(), vi); err != nil {
		return nil, fmt.Errorf("chaincode %s validation info: %w", name, err)
	}
	d.ValidationPlugin, d.ValidationParameter = vi.ValidationPlugin, vi.ValidationParameter
	if sd, err = field("Collections"); err != nil {
		return nil, err
	}
	if len(sd.GetBytes()) > 0 {
		d.Collections = &pb.CollectionConfigPackage{}
		if err := proto.Unmarshal(sd.GetBytes(), d.Collections); err != nil {
			return nil, fmt.Errorf("chaincode %s collections: %w", name, err)
		}
	}
	return d, nil
}

// ChaincodeDefinitionsInTransaction returns the chaincode definitions that
// a _lifecycle CommitChaincodeDefinition transaction (an endorser
// transaction envelope) writes. A redefinition rewrites only the fields that
// changed, so a definition whose ValidationInfo is not in the transaction is
// left out; the first definition of a chaincode (sequence 1) writes all.
func ChaincodeDefinitionsInTransaction(env *cb.Envelope) ([]*ChaincodeDefinition, error) {
	a, err := parseEndorserTx(env.GetPayload())
	if err != nil {
		return nil, err
	}
	state := map[string][]byte{}
	for _, ns := range a.ns {
		if ns.name != lifecycleNS || ns.kv == nil {
			continue
		}
		for _, w := range ns.kv.Writes {
			if !isDeleteKV(w) && strings.HasPrefix(w.Key, "namespaces/") {
				state[w.Key] = w.Value
			}
		}
	}
	var names []string
	for k := range state {
		if name, ok := strings.CutPrefix(k, "namespaces/fields/"); ok {
			if n, ok := strings.CutSuffix(name, "/ValidationInfo"); ok {
				names = append(names, n)
			}
		}
	}
	sort.Strings(names)
	var out []*ChaincodeDefinition
	for _, n := range names {
		if _, ok := state["namespaces/metadata/"+n]; !ok {
			state["namespaces/metadata/"+n] = marshalOrPanic(&lb.StateMetadata{Datatype: "ChaincodeDefinition"})
		}
		d, err := definitionFrom(state, n)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// KeyPoliciesInTransaction returns the key-level policies an endorser
// transaction sets or removes (Policy nil: removed), in read/write set order.
func KeyPoliciesInTransaction(env *cb.Envelope) ([]KeyPolicy, error) {
	a, err := parseEndorserTx(env.GetPayload())
	if err != nil {
		return nil, err
	}
	var out []KeyPolicy
	for _, u := range a.updates() {
		if !u.lifecycle {
			out = append(out, KeyPolicy{Namespace: u.key.ns, Collection: u.key.coll, Key: []byte(u.key.key), Policy: u.val})
		}
	}
	return out, nil
}

// EndorsementPolicy returns the policy a write in collection (""
// for the public state) of the chaincode def must satisfy when its key has
// no key-level policy, as Fabric: the collection's own endorsement policy,
// else the chaincode's; an implicit org collection (_implicit_org_<MSP>)
// takes the org's Endorsement policy. def nil or named _lifecycle means the
// _lifecycle namespace.
func (c *ChannelConfig) EndorsementPolicy(def *ChaincodeDefinition, collection string) ([]byte, error) {
	if def == nil {
		def = &ChaincodeDefinition{Name: lifecycleNS}
	}
	if collection == "" {
		return c.chaincodePolicy(def), nil
	}
	p, err := c.collectionPolicy(def, collection)
	if err != nil || len(p) > 0 {
		return p, err
	}
	return c.chaincodePolicy(def), nil
}

func (c *ChannelConfig) chaincodePolicy(def *ChaincodeDefinition) []byte {
	if def.Name == lifecycleNS {
		return c.LifecycleEndorsementPolicy()
	}
	return def.ValidationParameter
}

// collectionPolicy is CollectionValidationInfo: nil, nil when the
// collection has no policy of its own.
func (c *ChannelConfig) collectionPolicy(def *ChaincodeDefinition, coll string) ([]byte, error) {
	if mspid, ok := strings.CutPrefix(coll, implicitCollPfx); ok {
		return c.implicitCollectionPolicy(mspid)
	}
	for _, cc := range def.Collections.GetConfig() {
		sc := cc.GetStaticCollectionConfig()
		if sc != nil && sc.Name == coll {
			if sc.EndorsementPolicy != nil {
				return marshalOrPanic(sc.EndorsementPolicy), nil
			}
			return def.ValidationParameter, nil
		}
	}
	return nil, fmt.Errorf("chaincode %s has no collection %q", def.Name, coll)
}

// CheckTransaction checks one endorser transaction (an envelope from a
// block, marked VALID there) as a Verifier does under this configuration:
// the creator (identity, envelope signature, tx id), the endorsed action
// (proposal hash, chaincode name), every endorsement (identity, signature)
// and every endorsement policy Fabric's validator applies to its writes,
// given the chaincode definitions and the key-level policies in force at its
// block (a key not in keyPolicies has none; the _lifecycle namespace needs no
// definition). The Fault's Block is 0 and its TxIndex -1; TxID is set.
func (c *ChannelConfig) CheckTransaction(env *cb.Envelope, defs []*ChaincodeDefinition, keyPolicies []KeyPolicy) *Fault {
	pay, chdr := &cb.Payload{}, &cb.ChannelHeader{}
	if err := proto.Unmarshal(env.GetPayload(), pay); err != nil {
		return &Fault{TxIndex: -1, Endorsement: -1, Kind: FaultMalformed, Detail: fmt.Sprintf("payload: %v", err)}
	}
	if err := proto.Unmarshal(pay.GetHeader().GetChannelHeader(), chdr); err != nil {
		return &Fault{TxIndex: -1, Endorsement: -1, Kind: FaultMalformed, Detail: fmt.Sprintf("channel header: %v", err)}
	}
	fail := func(f *Fault) *Fault {
		f.TxIndex, f.TxID = -1, chdr.TxId
		return f
	}
	if cb.HeaderType(chdr.Type) != cb.HeaderType_ENDORSER_TRANSACTION {
		return fail(&Fault{Endorsement: -1, Kind: FaultMalformed, Detail: "not an endorser transaction"})
	}
	p := precheckTx(c, env, pay, chdr)
	if f := p.check(chdr); f != nil {
		return fail(f)
	}
	state := newPolicyState()
	for _, d := range defs {
		state.defs[d.Name] = d
	}
	for _, kp := range keyPolicies {
		if kp.Policy != nil {
			state.keys[keyID{kp.Namespace, kp.Collection, string(kp.Key)}] = kp.Policy
		}
	}
	pc := &policyCheck{cfg: c, state: state, ids: p.ids, results: map[string]bool{}}
	if f := pc.check(p.action); f != nil {
		return fail(f)
	}
	return nil
}

// ---- one transaction ----

type nsRW struct {
	name  string
	kv    *kvrwset.KVRWSet
	colls []collRW
}

type collRW struct {
	name string
	h    *kvrwset.HashedRWSet
}

var errNoEndorsements = errors.New("action has no endorsements")

// endorsedAction is what policy evaluation needs from an endorser
// transaction's single action.
type endorsedAction struct {
	ccID         string // the invoked chaincode
	actHdr       []byte // the action's signature header
	ccpp         []byte // the chaincode proposal payload (the input)
	proposalHash []byte // what the endorsers say they answered
	ccVersion    string
	eventCC      *string // the chaincode event's chaincode, if the action has an event
	prp          []byte
	ends         []*pb.Endorsement
	ns           []nsRW
}

func parseEndorserTx(payload []byte) (*endorsedAction, error) {
	pay := &cb.Payload{}
	if err := proto.Unmarshal(payload, pay); err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	return parseTxData(pay.Data)
}

// parseTxData parses a Transaction (a payload's data) with one action.
func parseTxData(data []byte) (*endorsedAction, error) {
	tx := &pb.Transaction{}
	if err := proto.Unmarshal(data, tx); err != nil {
		return nil, fmt.Errorf("transaction: %w", err)
	}
	if len(tx.Actions) != 1 {
		return nil, fmt.Errorf("transaction has %d actions, Fabric validates only transactions with one", len(tx.Actions))
	}
	ccap := &pb.ChaincodeActionPayload{}
	if err := proto.Unmarshal(tx.Actions[0].Payload, ccap); err != nil {
		return nil, fmt.Errorf("action payload: %w", err)
	}
	a, err := parseAction(ccap)
	if err != nil {
		return nil, err
	}
	a.actHdr, a.ccpp = tx.Actions[0].Header, ccap.ChaincodeProposalPayload
	return a, nil
}

func parseAction(ccap *pb.ChaincodeActionPayload) (*endorsedAction, error) {
	ea := ccap.GetAction()
	if ea == nil || len(ea.Endorsements) == 0 {
		return nil, errNoEndorsements
	}
	a := &endorsedAction{prp: ea.GetProposalResponsePayload(), ends: ea.GetEndorsements()}
	prp := &pb.ProposalResponsePayload{}
	if err := proto.Unmarshal(a.prp, prp); err != nil {
		return nil, fmt.Errorf("proposal response payload: %w", err)
	}
	a.proposalHash = prp.ProposalHash
	act := &pb.ChaincodeAction{}
	if err := proto.Unmarshal(prp.Extension, act); err != nil {
		return nil, fmt.Errorf("chaincode action: %w", err)
	}
	a.ccID, a.ccVersion = act.GetChaincodeId().GetName(), act.GetChaincodeId().GetVersion()
	if act.Events != nil {
		ev := &pb.ChaincodeEvent{}
		if err := proto.Unmarshal(act.Events, ev); err != nil {
			return nil, fmt.Errorf("chaincode event: %w", err)
		}
		a.eventCC = &ev.ChaincodeId
	}
	txrw := &rwset.TxReadWriteSet{}
	if err := proto.Unmarshal(act.Results, txrw); err != nil {
		return nil, fmt.Errorf("read/write set: %w", err)
	}
	seen := map[string]bool{}
	for _, ns := range txrw.NsRwset {
		if seen[ns.Namespace] {
			return nil, fmt.Errorf("duplicate namespace %q in the read/write set", ns.Namespace)
		}
		seen[ns.Namespace] = true
		n := nsRW{name: ns.Namespace, kv: &kvrwset.KVRWSet{}}
		if err := proto.Unmarshal(ns.Rwset, n.kv); err != nil {
			return nil, fmt.Errorf("namespace %s read/write set: %w", ns.Namespace, err)
		}
		for _, c := range ns.CollectionHashedRwset {
			h := &kvrwset.HashedRWSet{}
			if err := proto.Unmarshal(c.HashedRwset, h); err != nil {
				return nil, fmt.Errorf("namespace %s collection %s hashed read/write set: %w", ns.Namespace, c.CollectionName, err)
			}
			n.colls = append(n.colls, collRW{c.CollectionName, h})
		}
		a.ns = append(a.ns, n)
	}
	return a, nil
}

func isDeleteKV(w *kvrwset.KVWrite) bool { return w.IsDelete || len(w.Value) == 0 }

var emptyHash = sha256.Sum256(nil)

func isDeleteHash(w *kvrwset.KVWriteHash) bool {
	return w.IsDelete || len(w.ValueHash) == 0 || bytes.Equal(w.ValueHash, emptyHash[:])
}

func writesTo(n *nsRW) bool {
	if len(n.kv.GetWrites()) > 0 || len(n.kv.GetMetadataWrites()) > 0 {
		return true
	}
	for _, c := range n.colls {
		if len(c.h.GetHashedWrites()) > 0 || len(c.h.GetMetadataWrites()) > 0 {
			return true
		}
	}
	return false
}

func validationParam(entries []*kvrwset.KVMetadataEntry) []byte {
	for _, e := range entries {
		if e.Name == validationParamMD {
			return e.Value
		}
	}
	return nil
}

// updates lists the state changes of the action, as Fabric's txOps: a key
// deletion drops its metadata; a metadata write with no entries deletes it;
// a value write alone keeps it. (Fabric drops a metadata write on a key that
// does not exist; this package does not track key existence and keeps it.)
func (a *endorsedAction) updates() []update {
	var us []update
	for _, n := range a.ns {
		type op struct {
			del    bool
			md     bool
			policy []byte
		}
		ops := map[keyID]*op{}
		var order []keyID
		get := func(k keyID) *op {
			o := ops[k]
			if o == nil {
				o = &op{}
				ops[k] = o
				order = append(order, k)
			}
			return o
		}
		for _, w := range n.kv.GetWrites() {
			if n.name == lifecycleNS && strings.HasPrefix(w.Key, "namespaces/") {
				var v []byte
				if !isDeleteKV(w) {
					v = bytes.Clone(w.Value)
				}
				us = append(us, update{lifecycle: true, key: keyID{key: w.Key}, val: v})
			}
			if isDeleteKV(w) {
				get(keyID{n.name, "", w.Key}).del = true
			}
		}
		for _, m := range n.kv.GetMetadataWrites() {
			k := keyID{n.name, "", m.Key}
			o := get(k)
			o.md, o.policy = true, validationParam(m.Entries)
		}
		for _, c := range n.colls {
			for _, w := range c.h.GetHashedWrites() {
				if isDeleteHash(w) {
					get(keyID{n.name, c.name, string(w.KeyHash)}).del = true
				}
			}
			for _, m := range c.h.GetMetadataWrites() {
				k := keyID{n.name, c.name, string(m.KeyHash)}
				o := get(k)
				o.md, o.policy = true, validationParam(m.Entries)
			}
		}
		for _, k := range order {
			o := ops[k]
			switch {
			case o.del:
				us = append(us, update{key: k})
			case o.md:
				us = append(us, update{key: k, val: bytes.Clone(o.policy)})
			}
		}
	}
	return us
}

// metadataKeys lists the keys whose metadata the action writes.
func (a *endorsedAction) metadataKeys() []keyID {
	var ks []keyID
	for _, n := range a.ns {
		for _, m := range n.kv.GetMetadataWrites() {
			ks = append(ks, keyID{n.name, "", m.Key})
		}
		for _, c := range n.colls {
			for _, m := range c.h.GetMetadataWrites() {
				ks = append(ks, keyID{n.name, c.name, string(m.KeyHash)})
			}
		}
	}
	return ks
}

// policyCheck evaluates one transaction's endorsement policies.
type policyCheck struct {
	cfg     *ChannelConfig
	state   *policyState
	ids     []*identity
	changed map[keyID]int // keys whose metadata an earlier VALID tx of this block wrote -> its index
	results map[string]bool
}

func (pc *policyCheck) eval(policy []byte) bool {
	if r, ok := pc.results[string(policy)]; ok {
		return r
	}
	r := pc.cfg.satisfied(policy, pc.ids)
	pc.results[string(policy)] = r
	return r
}

func (pc *policyCheck) fail(what string, policy []byte) *Fault {
	return &Fault{Endorsement: -1, Kind: FaultEndorsementPolicy,
		Detail: fmt.Sprintf("%s: needs %s; got %s", what, pc.cfg.DescribePolicy(policy), describeSigners(pc.ids))}
}

// check mirrors the dispatcher (every namespace the action writes, and the
// invoked chaincode's) and the v20 statebased evaluator in each.
func (pc *policyCheck) check(a *endorsedAction) *Fault {
	order := []string{a.ccID}
	byName := map[string]*nsRW{}
	for i := range a.ns {
		n := &a.ns[i]
		byName[n.name] = n
		if n.name != a.ccID && writesTo(n) {
			order = append(order, n.name)
		}
	}
	for _, ns := range order {
		def, err := pc.state.definition(ns)
		if err != nil {
			return &Fault{Endorsement: -1, Kind: FaultEndorsementPolicy, Detail: err.Error()}
		}
		if def == nil {
			return &Fault{Endorsement: -1, Kind: FaultEndorsementPolicy,
				Detail: fmt.Sprintf("chaincode %s is not defined in _lifecycle at this block (Fabric marks such a transaction INVALID_CHAINCODE)", ns)}
		}
		if f := pc.checkNamespace(def, byName[ns]); f != nil {
			return f
		}
	}
	return nil
}

func (pc *policyCheck) checkNamespace(def *ChaincodeDefinition, n *nsRW) *Fault {
	if def.Name != lifecycleNS && def.ValidationPlugin == "" {
		return &Fault{Endorsement: -1, Kind: FaultEndorsementPolicy, Detail: fmt.Sprintf("chaincode %s's definition names no validation plugin", def.Name)}
	}
	ccEP := pc.cfg.chaincodePolicy(def)
	if len(ccEP) == 0 {
		return &Fault{Endorsement: -1, Kind: FaultEndorsementPolicy, Detail: fmt.Sprintf("chaincode %s has no endorsement policy", def.Name)}
	}
	checked := map[string]bool{}
	some := false
	ccWhat := "chaincode " + def.Name
	checkCC := func(coll string) *Fault {
		if coll != "" {
			if checked["\x00"+coll] {
				return nil
			}
			p, err := pc.cfg.collectionPolicy(def, coll)
			if err != nil {
				return &Fault{Endorsement: -1, Kind: FaultEndorsementPolicy, Detail: err.Error()}
			}
			if len(p) > 0 {
				if !pc.eval(p) {
					return pc.fail(fmt.Sprintf("collection %s of chaincode %s", coll, def.Name), p)
				}
				checked["\x00"+coll], some = true, true
				return nil
			}
		}
		if checked[""] {
			return nil
		}
		if !pc.eval(ccEP) {
			return pc.fail(ccWhat, ccEP)
		}
		checked[""], some = true, true
		return nil
	}
	checkKey := func(coll, key string) *Fault {
		k := keyID{def.Name, coll, key}
		if j, ok := pc.changed[k]; ok {
			return &Fault{Endorsement: -1, Kind: FaultEndorsementPolicy,
				Detail: fmt.Sprintf("writes %s, whose key-level policy tx %d of this block changed (Fabric marks such a transaction ENDORSEMENT_POLICY_FAILURE)", keyName(k), j)}
		}
		vp := pc.state.keys[k]
		if len(vp) == 0 {
			return checkCC(coll)
		}
		ap := sbePolicy(vp)
		if !pc.eval(ap) {
			return pc.fail(keyName(k)+" has a key-level policy", ap)
		}
		some = true
		return nil
	}
	if n != nil {
		for _, w := range n.kv.GetWrites() {
			if f := checkKey("", w.Key); f != nil {
				return f
			}
		}
		for _, w := range n.kv.GetMetadataWrites() {
			if f := checkKey("", w.Key); f != nil {
				return f
			}
		}
		for _, c := range n.colls {
			for _, w := range c.h.GetHashedWrites() {
				if f := checkKey(c.name, string(w.KeyHash)); f != nil {
					return f
				}
			}
		}
		for _, c := range n.colls {
			for _, w := range c.h.GetMetadataWrites() {
				if f := checkKey(c.name, string(w.KeyHash)); f != nil {
					return f
				}
			}
		}
	}
	if !some && !pc.eval(ccEP) {
		return pc.fail(ccWhat, ccEP)
	}
	return nil
}

// sbePolicy is the v20 translator: a key's VALIDATION_PARAMETER (a
// SignaturePolicyEnvelope) as an ApplicationPolicy. Bytes that are not a
// SignaturePolicyEnvelope give an unreadable policy, which fails.
func sbePolicy(vp []byte) []byte {
	b := make([]byte, 0, len(vp)+4)
	b = protowire.AppendTag(b, 1, protowire.BytesType) // ApplicationPolicy.signature_policy
	return protowire.AppendBytes(b, vp)
}

func keyName(k keyID) string {
	if k.coll == "" {
		return fmt.Sprintf("key %q of chaincode %s", k.key, k.ns)
	}
	h := hex.EncodeToString([]byte(k.key))
	if len(h) > 16 {
		h = h[:16] + "…"
	}
	return fmt.Sprintf("key with hash %s in collection %s of chaincode %s", h, k.coll, k.ns)
}
