package ledgerverify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"sort"
	"testing"
	"time"

	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset/kvrwset"
	mspb "github.com/hyperledger/fabric-protos-go-apiv2/msp"
	pb "github.com/hyperledger/fabric-protos-go-apiv2/peer"
	lb "github.com/hyperledger/fabric-protos-go-apiv2/peer/lifecycle"
	"google.golang.org/protobuf/proto"
)

// ca is a synthetic certificate authority.
type ca struct {
	cert *x509.Certificate
	pem  []byte
	key  *ecdsa.PrivateKey
}

// signer is a synthetic MSP identity.
type signer struct {
	mspid      string
	cert       *x509.Certificate
	key        *ecdsa.PrivateKey
	serialized []byte
}

var serial int64 = 1

func mustKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newCA(t testing.TB, name string) *ca {
	k := mustKey(t)
	serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "ca." + name, Organization: []string{name}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &ca{cert: c, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), key: k}
}

// issue makes an identity of mspid with the NodeOU ou (client, peer,
// admin, orderer; "" for none).
func (c *ca) issue(t testing.TB, mspid, cn, ou string) *signer {
	k := mustKey(t)
	serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(12 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	if ou != "" {
		tmpl.Subject.OrganizationalUnit = []string{ou}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.cert, &k.PublicKey, c.key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	sid, _ := proto.Marshal(&mspb.SerializedIdentity{Mspid: mspid, IdBytes: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})})
	return &signer{mspid: mspid, cert: cert, key: k, serialized: sid}
}

// crl is a DER revocation list by issuer (its key signs it unless signKey
// is given) listing the signers' serials.
func (c *ca) crl(t testing.TB, signKey *ecdsa.PrivateKey, revoked ...*signer) []byte {
	var entries []x509.RevocationListEntry
	for _, s := range revoked {
		entries = append(entries, x509.RevocationListEntry{SerialNumber: s.cert.SerialNumber, RevocationTime: time.Now()})
	}
	tmpl := &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: time.Now(), NextUpdate: time.Now().Add(time.Hour),
		RevokedCertificateEntries: entries}
	if signKey == nil {
		signKey = c.key
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, c.cert, signKey)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func (s *signer) sign(t testing.TB, msg []byte) []byte {
	d := sha256.Sum256(msg)
	sig, err := ecdsa.SignASN1(rand.Reader, s.key, d[:])
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func mustMarshal(t testing.TB, m proto.Message) []byte {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// network is a synthetic channel: an orderer org, three application orgs
// in the genesis block, a fourth (Org4MSP) that only a config update adds,
// and a CA no configuration knows. The chaincode "cc" (defined in block 1)
// needs 2 of Org1MSP.peer, Org2MSP.peer, Org3MSP.peer; its collection
// "coll1" needs Org1MSP.peer, "coll3" has no policy of its own.
type network struct {
	ordererCA, org1CA, org2CA, org3CA, org4CA, rogueCA *ca
	orderer, ordererClient                             *signer
	client, peer1, peer1b, peer2, peer3                *signer
	client3, noOU1                                     *signer // Org3MSP client; Org1MSP cert without a NodeOU
	org4Client, peer4                                  *signer // Org4MSP: only in the config after an update
	rogueOrderer, rogueClient                          *signer // issued by rogueCA
}

func newNetwork(t testing.TB) *network {
	n := &network{ordererCA: newCA(t, "orderer"), org1CA: newCA(t, "org1"), org2CA: newCA(t, "org2"), org3CA: newCA(t, "org3"),
		org4CA: newCA(t, "org4"), rogueCA: newCA(t, "rogue")}
	n.orderer = n.ordererCA.issue(t, "OrdererMSP", "orderer0", "orderer")
	n.ordererClient = n.ordererCA.issue(t, "OrdererMSP", "admin-tool", "client")
	n.client = n.org1CA.issue(t, "Org1MSP", "client", "client")
	n.peer1 = n.org1CA.issue(t, "Org1MSP", "peer0.org1", "peer")
	n.peer1b = n.org1CA.issue(t, "Org1MSP", "peer1.org1", "peer")
	n.noOU1 = n.org1CA.issue(t, "Org1MSP", "legacy.org1", "")
	n.peer2 = n.org2CA.issue(t, "Org2MSP", "peer0.org2", "peer")
	n.peer3 = n.org3CA.issue(t, "Org3MSP", "peer0.org3", "peer")
	n.client3 = n.org3CA.issue(t, "Org3MSP", "client.org3", "client")
	n.org4Client = n.org4CA.issue(t, "Org4MSP", "client.org4", "client")
	n.peer4 = n.org4CA.issue(t, "Org4MSP", "peer0.org4", "peer")
	n.rogueOrderer = n.rogueCA.issue(t, "OrdererMSP", "orderer0", "orderer")
	n.rogueClient = n.rogueCA.issue(t, "Org1MSP", "client", "client")
	return n
}

func role(mspid string, r mspb.MSPRole_MSPRoleType) *mspb.MSPPrincipal {
	return &mspb.MSPPrincipal{PrincipalClassification: mspb.MSPPrincipal_ROLE,
		Principal: marshalOrPanic(&mspb.MSPRole{MspIdentifier: mspid, Role: r})}
}

// outOf is policydsl's OutOf(n, principals...) as a SignaturePolicyEnvelope.
func outOf(n int32, ps ...*mspb.MSPPrincipal) *cb.SignaturePolicyEnvelope {
	env := &cb.SignaturePolicyEnvelope{Identities: ps}
	var rules []*cb.SignaturePolicy
	for i := range ps {
		rules = append(rules, &cb.SignaturePolicy{Type: &cb.SignaturePolicy_SignedBy{SignedBy: int32(i)}})
	}
	env.Rule = &cb.SignaturePolicy{Type: &cb.SignaturePolicy_NOutOf_{NOutOf: &cb.SignaturePolicy_NOutOf{N: n, Rules: rules}}}
	return env
}

func appSig(env *cb.SignaturePolicyEnvelope) *pb.ApplicationPolicy {
	return &pb.ApplicationPolicy{Type: &pb.ApplicationPolicy_SignaturePolicy{SignaturePolicy: env}}
}

func sigPolicy(env *cb.SignaturePolicyEnvelope) *cb.ConfigPolicy {
	return &cb.ConfigPolicy{Policy: &cb.Policy{Type: int32(cb.Policy_SIGNATURE), Value: marshalOrPanic(env)}}
}

func metaPolicy(rule cb.ImplicitMetaPolicy_Rule, sub string) *cb.ConfigPolicy {
	return &cb.ConfigPolicy{Policy: &cb.Policy{Type: int32(cb.Policy_IMPLICIT_META),
		Value: marshalOrPanic(&cb.ImplicitMetaPolicy{Rule: rule, SubPolicy: sub})}}
}

// orgGroup is an org with an MSP (NodeOUs on, each OU certified by the root
// CA, as the dev network's), its CRLs, and Endorsement and Writers policies.
func orgGroup(t testing.TB, mspid string, c *ca, crls [][]byte, writer mspb.MSPRole_MSPRoleType) *cb.ConfigGroup {
	ou := func(name string) *mspb.FabricOUIdentifier {
		return &mspb.FabricOUIdentifier{OrganizationalUnitIdentifier: name, Certificate: c.pem}
	}
	fc := mustMarshal(t, &mspb.FabricMSPConfig{Name: mspid, RootCerts: [][]byte{c.pem}, RevocationList: crls,
		FabricNodeOus: &mspb.FabricNodeOUs{Enable: true, ClientOuIdentifier: ou("client"), PeerOuIdentifier: ou("peer"),
			AdminOuIdentifier: ou("admin"), OrdererOuIdentifier: ou("orderer")}})
	mc := mustMarshal(t, &mspb.MSPConfig{Type: 0, Config: fc})
	return &cb.ConfigGroup{
		Values: map[string]*cb.ConfigValue{"MSP": {Value: mc}},
		Policies: map[string]*cb.ConfigPolicy{
			"Endorsement": sigPolicy(outOf(1, role(mspid, mspb.MSPRole_PEER))),
			"Writers":     sigPolicy(outOf(1, role(mspid, writer), role(mspid, mspb.MSPRole_ADMIN))),
		},
	}
}

// cfgSpec says what a config block holds beyond the genesis orgs.
type cfgSpec struct {
	org4 bool
	crls map[string][][]byte // MSP ID -> revocation lists
}

// configEnvelope builds a CONFIG envelope; with org4 the Application section
// also holds Org4MSP. A nil signer leaves it unsigned, as a genesis block is.
func (n *network) configEnvelope(t testing.TB, org4 bool, by *signer) []byte {
	return n.configEnvelopeWith(t, cfgSpec{org4: org4}, by)
}

func (n *network) configEnvelopeWith(t testing.TB, s cfgSpec, by *signer) []byte {
	app := map[string]*cb.ConfigGroup{
		"Org1": orgGroup(t, "Org1MSP", n.org1CA, s.crls["Org1MSP"], mspb.MSPRole_CLIENT),
		"Org2": orgGroup(t, "Org2MSP", n.org2CA, s.crls["Org2MSP"], mspb.MSPRole_CLIENT),
		"Org3": orgGroup(t, "Org3MSP", n.org3CA, s.crls["Org3MSP"], mspb.MSPRole_CLIENT),
	}
	if s.org4 {
		app["Org4"] = orgGroup(t, "Org4MSP", n.org4CA, s.crls["Org4MSP"], mspb.MSPRole_CLIENT)
	}
	cfg := &cb.ConfigEnvelope{Config: &cb.Config{ChannelGroup: &cb.ConfigGroup{Groups: map[string]*cb.ConfigGroup{
		"Orderer": {
			Groups:   map[string]*cb.ConfigGroup{"OrdererOrg": orgGroup(t, "OrdererMSP", n.ordererCA, s.crls["OrdererMSP"], mspb.MSPRole_ORDERER)},
			Policies: map[string]*cb.ConfigPolicy{"BlockValidation": metaPolicy(cb.ImplicitMetaPolicy_ANY, "Writers")},
		},
		"Application": {Groups: app, Policies: map[string]*cb.ConfigPolicy{
			"Endorsement":          metaPolicy(cb.ImplicitMetaPolicy_MAJORITY, "Endorsement"),
			"LifecycleEndorsement": metaPolicy(cb.ImplicitMetaPolicy_MAJORITY, "Endorsement"),
		}},
	}}}}
	shdr := &cb.SignatureHeader{Nonce: []byte("n")}
	if by != nil {
		shdr.Creator = by.serialized
	}
	pay := mustMarshal(t, &cb.Payload{
		Header: &cb.Header{
			ChannelHeader:   mustMarshal(t, &cb.ChannelHeader{Type: int32(cb.HeaderType_CONFIG), ChannelId: "govchain"}),
			SignatureHeader: mustMarshal(t, shdr),
		},
		Data: mustMarshal(t, cfg),
	})
	env := &cb.Envelope{Payload: pay}
	if by != nil {
		env.Signature = by.sign(t, pay)
	}
	return mustMarshal(t, env)
}

// rw is a namespace's writes in a synthetic transaction.
type rw struct {
	ns      string
	writes  map[string][]byte                                 // key -> value (nil: delete)
	sbe     map[string]*cb.SignaturePolicyEnvelope            // key -> key-level policy (nil: metadata removed)
	private map[string][]string                               // collection -> keys written
	privSBE map[string]map[string]*cb.SignaturePolicyEnvelope // collection -> key -> key-level policy
}

// txSpec says how to build one endorser transaction.
type txSpec struct {
	creator          *signer
	endorsers        []*signer
	badCreatorSig    bool
	forgedTxID       bool   // tx id not bound to nonce and creator
	badEndorsementAt int    // index of the endorsement to corrupt; -1 none
	otherProposal    bool   // endorsements for another input than the transaction's
	eventCC          string // the chaincode event's chaincode ("": no event)
	cc               string // invoked chaincode; "" is "cc"
	rws              []rw   // nil: one public write to cc
}

// tx builds an endorser transaction. Its id is Fabric's hex(SHA-256(nonce ||
// creator)); the nonce is the label, so labels must be unique.
func (n *network) tx(t testing.TB, label string, s txSpec) []byte {
	sum := sha256.Sum256(append([]byte(label), s.creator.serialized...))
	id := hex.EncodeToString(sum[:])
	if s.forgedTxID {
		id = "forged-" + label
	}
	cc := s.cc
	if cc == "" {
		cc = "cc"
	}
	rws := s.rws
	if rws == nil {
		rws = []rw{{ns: cc, writes: map[string][]byte{"k-" + label: []byte("v")}}}
	}
	txrw := &rwset.TxReadWriteSet{DataModel: rwset.TxReadWriteSet_KV}
	for _, r := range rws {
		kv := &kvrwset.KVRWSet{}
		for _, k := range sortedKeys(r.writes) {
			v := r.writes[k]
			kv.Writes = append(kv.Writes, &kvrwset.KVWrite{Key: k, Value: v, IsDelete: v == nil})
		}
		for _, k := range sortedKeys(r.sbe) {
			mw := &kvrwset.KVMetadataWrite{Key: k}
			if p := r.sbe[k]; p != nil {
				mw.Entries = []*kvrwset.KVMetadataEntry{{Name: "VALIDATION_PARAMETER", Value: mustMarshal(t, p)}}
			}
			kv.MetadataWrites = append(kv.MetadataWrites, mw)
		}
		ns := &rwset.NsReadWriteSet{Namespace: r.ns, Rwset: mustMarshal(t, kv)}
		colls := map[string]bool{}
		for c := range r.private {
			colls[c] = true
		}
		for c := range r.privSBE {
			colls[c] = true
		}
		for _, coll := range sortedKeys(colls) {
			h := &kvrwset.HashedRWSet{}
			for _, k := range r.private[coll] {
				kh, vh := sha256.Sum256([]byte(k)), sha256.Sum256([]byte("value of "+k))
				h.HashedWrites = append(h.HashedWrites, &kvrwset.KVWriteHash{KeyHash: kh[:], ValueHash: vh[:]})
			}
			for _, k := range sortedKeys(r.privSBE[coll]) {
				kh := sha256.Sum256([]byte(k))
				mw := &kvrwset.KVMetadataWriteHash{KeyHash: kh[:]}
				if p := r.privSBE[coll][k]; p != nil {
					mw.Entries = []*kvrwset.KVMetadataEntry{{Name: "VALIDATION_PARAMETER", Value: mustMarshal(t, p)}}
				}
				h.MetadataWrites = append(h.MetadataWrites, mw)
			}
			ns.CollectionHashedRwset = append(ns.CollectionHashedRwset, &rwset.CollectionHashedReadWriteSet{
				CollectionName: coll, HashedRwset: mustMarshal(t, h)})
		}
		txrw.NsRwset = append(txrw.NsRwset, ns)
	}
	chdr := mustMarshal(t, &cb.ChannelHeader{Type: int32(cb.HeaderType_ENDORSER_TRANSACTION), ChannelId: "govchain", TxId: id,
		Extension: mustMarshal(t, &pb.ChaincodeHeaderExtension{ChaincodeId: &pb.ChaincodeID{Name: cc}})})
	shdr := mustMarshal(t, &cb.SignatureHeader{Creator: s.creator.serialized, Nonce: []byte(label)})
	ccpp := []byte("input:" + id)
	if s.otherProposal {
		ccpp = []byte("another input:" + id)
	}
	ph := sha256.Sum256(append(append(append([]byte{}, chdr...), shdr...), ccpp...))
	ccpp = []byte("input:" + id)
	var events []byte
	if s.eventCC != "" {
		events = mustMarshal(t, &pb.ChaincodeEvent{ChaincodeId: s.eventCC, TxId: id, EventName: "e"})
	}
	prp := mustMarshal(t, &pb.ProposalResponsePayload{
		ProposalHash: ph[:],
		Extension: mustMarshal(t, &pb.ChaincodeAction{Results: mustMarshal(t, txrw), Events: events,
			ChaincodeId: &pb.ChaincodeID{Name: cc, Version: "1"}, Response: &pb.Response{Status: 200}}),
	})
	var ends []*pb.Endorsement
	for i, e := range s.endorsers {
		sig := e.sign(t, append(append([]byte{}, prp...), e.serialized...))
		if i == s.badEndorsementAt {
			sig = e.sign(t, []byte("something else"))
		}
		ends = append(ends, &pb.Endorsement{Endorser: e.serialized, Signature: sig})
	}
	cap := mustMarshal(t, &pb.ChaincodeActionPayload{
		ChaincodeProposalPayload: ccpp,
		Action:                   &pb.ChaincodeEndorsedAction{ProposalResponsePayload: prp, Endorsements: ends},
	})
	txb := mustMarshal(t, &pb.Transaction{Actions: []*pb.TransactionAction{{Header: shdr, Payload: cap}}})
	pay := mustMarshal(t, &cb.Payload{Header: &cb.Header{ChannelHeader: chdr, SignatureHeader: shdr}, Data: txb})
	sig := s.creator.sign(t, pay)
	if s.badCreatorSig {
		sig = s.creator.sign(t, []byte("not the payload"))
	}
	return mustMarshal(t, &cb.Envelope{Payload: pay, Signature: sig})
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// ccPolicy is the chaincode's: 2 of Org1MSP.peer, Org2MSP.peer, Org3MSP.peer.
func ccPolicy() *cb.SignaturePolicyEnvelope {
	return outOf(2, role("Org1MSP", mspb.MSPRole_PEER), role("Org2MSP", mspb.MSPRole_PEER), role("Org3MSP", mspb.MSPRole_PEER))
}

// definitionTx commits the definition of chaincode name in _lifecycle, as
// Fabric's CommitChaincodeDefinition writes it, endorsed by endorsers.
func (n *network) definitionTx(t testing.TB, label, name string, endorsers ...*signer) []byte {
	colls := &pb.CollectionConfigPackage{Config: []*pb.CollectionConfig{
		{Payload: &pb.CollectionConfig_StaticCollectionConfig{StaticCollectionConfig: &pb.StaticCollectionConfig{
			Name: "coll1", EndorsementPolicy: appSig(outOf(1, role("Org1MSP", mspb.MSPRole_PEER)))}}},
		{Payload: &pb.CollectionConfig_StaticCollectionConfig{StaticCollectionConfig: &pb.StaticCollectionConfig{Name: "coll3"}}},
	}}
	field := func(sd *lb.StateData) []byte { return mustMarshal(t, sd) }
	bytesField := func(m proto.Message) []byte {
		return field(&lb.StateData{Type: &lb.StateData_Bytes{Bytes: mustMarshal(t, m)}})
	}
	writes := map[string][]byte{
		"namespaces/metadata/" + name: mustMarshal(t, &lb.StateMetadata{Datatype: "ChaincodeDefinition",
			Fields: []string{"EndorsementInfo", "ValidationInfo", "Collections"}}),
		"namespaces/fields/" + name + "/Sequence":        field(&lb.StateData{Type: &lb.StateData_Int64{Int64: 1}}),
		"namespaces/fields/" + name + "/EndorsementInfo": bytesField(&lb.ChaincodeEndorsementInfo{Version: "1", EndorsementPlugin: "escc"}),
		"namespaces/fields/" + name + "/ValidationInfo": bytesField(&lb.ChaincodeValidationInfo{ValidationPlugin: "vscc",
			ValidationParameter: mustMarshal(t, appSig(ccPolicy()))}),
		"namespaces/fields/" + name + "/Collections": bytesField(colls),
	}
	return n.tx(t, label, txSpec{creator: n.client, endorsers: endorsers, badEndorsementAt: -1, cc: "_lifecycle",
		rws: []rw{{ns: "_lifecycle", writes: writes}}})
}

func (n *network) goodTx(t testing.TB, id string) []byte {
	return n.tx(t, id, txSpec{creator: n.client, endorsers: []*signer{n.peer1, n.peer2}, badEndorsementAt: -1})
}

// seal fills in header hashes, the transactions filter (all VALID unless
// filter is given) and one orderer signature by ord.
func seal(t testing.TB, num uint64, prev []byte, data [][]byte, filter []byte, ord *signer) *cb.Block {
	b := &cb.Block{
		Header:   &cb.BlockHeader{Number: num, PreviousHash: prev},
		Data:     &cb.BlockData{Data: data},
		Metadata: &cb.BlockMetadata{Metadata: make([][]byte, 5)},
	}
	b.Header.DataHash = DataHash(b.Data)
	if filter == nil {
		filter = make([]byte, len(data)) // TxValidationCode_VALID == 0
	}
	b.Metadata.Metadata[cb.BlockMetadataIndex_TRANSACTIONS_FILTER] = filter
	if ord != nil {
		resign(t, b, ord)
	}
	return b
}

// resign replaces the block's orderer signatures with one by ord.
func resign(t testing.TB, b *cb.Block, ord *signer) {
	value := mustMarshal(t, &cb.OrdererBlockMetadata{LastConfig: &cb.LastConfig{Index: 0}})
	shdr := mustMarshal(t, &cb.SignatureHeader{Creator: ord.serialized, Nonce: []byte("nonce")})
	msg := append(append(append([]byte{}, value...), shdr...), HeaderBytes(b.Header)...)
	b.Metadata.Metadata[cb.BlockMetadataIndex_SIGNATURES] = mustMarshal(t, &cb.Metadata{
		Value: value, Signatures: []*cb.MetadataSignature{{SignatureHeader: shdr, Signature: ord.sign(t, msg)}},
	})
}

// chain builds the genesis block, block 1 with the definition of chaincode
// "cc" (endorsed by Org1 and Org2), then one block per entry of txs (block
// i+2 for txs[i]). Blocks are sealed by the genuine orderer.
func (n *network) chain(t testing.TB, txs ...[][]byte) []*cb.Block {
	g := seal(t, 0, nil, [][]byte{n.configEnvelope(t, false, nil)}, nil, nil)
	def := seal(t, 1, HeaderHash(g.Header), [][]byte{n.definitionTx(t, "define-cc", "cc", n.peer1, n.peer2)}, nil, n.orderer)
	blocks := []*cb.Block{g, def}
	for i, data := range txs {
		blocks = append(blocks, seal(t, uint64(i+2), HeaderHash(blocks[i+1].Header), data, nil, n.orderer))
	}
	return blocks
}

func (n *network) goodBlock(t testing.TB, num, count int) [][]byte {
	var d [][]byte
	for i := range count {
		d = append(d, n.goodTx(t, fmt.Sprintf("tx-%d-%d", num, i)))
	}
	return d
}
