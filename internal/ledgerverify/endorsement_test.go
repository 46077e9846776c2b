package ledgerverify

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	mspb "github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"google.golang.org/protobuf/proto"
)

// wantFault is the fault a case expects (nil: none).
type wantFault struct {
	block       uint64
	tx, endorse int
	kind        FaultKind
	detail      string // a substring of the detail
}

func checkFault(t *testing.T, err error, want *wantFault) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("want no fault, got %v", err)
		}
		return
	}
	var f *Fault
	if !errors.As(err, &f) {
		t.Fatalf("want a *Fault, got %v", err)
	}
	if f.Block != want.block || f.TxIndex != want.tx || f.Endorsement != want.endorse || f.Kind != want.kind ||
		!strings.Contains(f.Detail, want.detail) {
		t.Fatalf("got %v\nwant block %d tx %d endorsement %d %s containing %q", err, want.block, want.tx, want.endorse, want.kind, want.detail)
	}
}

func TestEndorsementPolicies(t *testing.T) {
	n := newNetwork(t)
	org3 := outOf(1, role("Org3MSP", mspb.MSPRole_PEER))
	by := func(label string, rws []rw, cc string, es ...*signer) []byte {
		return n.tx(t, label, txSpec{creator: n.client, endorsers: es, badEndorsementAt: -1, cc: cc, rws: rws})
	}
	write := func(key string, val []byte) []rw { return []rw{{ns: "cc", writes: map[string][]byte{key: val}}} }
	setOwner := by("set-owner", []rw{{ns: "cc", writes: map[string][]byte{"owned": []byte("v")},
		sbe: map[string]*cb.SignaturePolicyEnvelope{"owned": org3}}}, "", n.peer1, n.peer2)
	private := func(coll string) []rw { return []rw{{ns: "cc", private: map[string][]string{coll: {"secret"}}}} }
	approval := func(org string) []rw {
		return []rw{{ns: "_lifecycle", private: map[string][]string{"_implicit_org_" + org: {"namespaces/fields/cc2#1/Approved"}}}}
	}

	cases := []struct {
		name   string
		blocks [][][]byte
		want   *wantFault
	}{
		{"two orgs satisfy 2 of 3", [][][]byte{{n.goodTx(t, "a")}}, nil},
		{"one org does not", [][][]byte{{by("a", nil, "", n.peer1)}},
			&wantFault{2, 0, -1, FaultEndorsementPolicy, "chaincode cc: needs 2 of Org1MSP.peer, Org2MSP.peer, Org3MSP.peer; got Org1MSP.peer"}},
		{"one peer twice counts once", [][][]byte{{by("a", nil, "", n.peer1, n.peer1)}},
			&wantFault{2, 0, -1, FaultEndorsementPolicy, "got Org1MSP.peer"}},
		{"two peers of one org", [][][]byte{{by("a", nil, "", n.peer1, n.peer1b)}},
			&wantFault{2, 0, -1, FaultEndorsementPolicy, "got Org1MSP.peer, Org1MSP.peer"}},
		{"a client where a peer is needed", [][][]byte{{by("a", nil, "", n.peer1, n.client3)}},
			&wantFault{2, 0, -1, FaultEndorsementPolicy, "got Org1MSP.peer, Org3MSP.client"}},
		{"the fault names the first failing tx", [][][]byte{{n.goodTx(t, "a"), n.goodTx(t, "b"), by("c", nil, "", n.peer3)}},
			&wantFault{2, 2, -1, FaultEndorsementPolicy, "got Org3MSP.peer"}},
		{"endorser without a NodeOU", [][][]byte{{by("a", nil, "", n.peer2, n.noOU1)}},
			&wantFault{2, 0, 1, FaultEndorserCertificate, "has no client, peer, admin or orderer OU"}},
		{"creator without a NodeOU", [][][]byte{{n.tx(t, "a", txSpec{creator: n.noOU1, endorsers: []*signer{n.peer1, n.peer2}, badEndorsementAt: -1})}},
			&wantFault{2, 0, -1, FaultCreatorCertificate, "has no client, peer, admin or orderer OU"}},
		{"chaincode event of the invoked chaincode", [][][]byte{{n.tx(t, "a", txSpec{creator: n.client, endorsers: []*signer{n.peer1, n.peer2}, badEndorsementAt: -1, eventCC: "cc"})}}, nil},
		{"chaincode event of another chaincode", [][][]byte{{n.tx(t, "a", txSpec{creator: n.client, endorsers: []*signer{n.peer1, n.peer2}, badEndorsementAt: -1, eventCC: "other"})}},
			&wantFault{2, 0, -1, FaultMalformed, `the chaincode event names chaincode "other", the action "cc"`}},
		{"undefined chaincode", [][][]byte{{by("a", write("k", []byte("v")), "other", n.peer1, n.peer2)}},
			&wantFault{2, 0, -1, FaultEndorsementPolicy, "chaincode other is not defined"}},
		{"a write to another chaincode's namespace is judged by its policy", [][][]byte{{by("a",
			[]rw{{ns: "cc", writes: map[string][]byte{"k": []byte("v")}}, {ns: "other", writes: map[string][]byte{"k": []byte("v")}}}, "cc", n.peer1, n.peer2)}},
			&wantFault{2, 0, -1, FaultEndorsementPolicy, "chaincode other is not defined"}},
		{"definition by a majority of orgs, then usable", [][][]byte{{n.definitionTx(t, "def", "cc2", n.peer1, n.peer3)},
			{by("a", write("k", []byte("v")), "cc2", n.peer2, n.peer3)}}, nil},
		{"definition by one org of three", [][][]byte{{n.definitionTx(t, "def", "cc2", n.peer1)}},
			&wantFault{2, 0, -1, FaultEndorsementPolicy, "_lifecycle: needs /Channel/Application/LifecycleEndorsement (MAJORITY: 2 of the 3 Endorsement policies"}},
		{"a definition applies from the next block", [][][]byte{{n.definitionTx(t, "def", "cc2", n.peer1, n.peer3),
			by("a", write("k", []byte("v")), "cc2", n.peer2, n.peer3)}},
			&wantFault{2, 1, -1, FaultEndorsementPolicy, "chaincode cc2 is not defined"}},
		{"approval in an org's implicit collection by its peer", [][][]byte{{by("a", approval("Org2MSP"), "_lifecycle", n.peer2)}}, nil},
		{"approval in an org's implicit collection by another org", [][][]byte{{by("a", approval("Org2MSP"), "_lifecycle", n.peer1, n.peer3)}},
			&wantFault{2, 0, -1, FaultEndorsementPolicy, "collection _implicit_org_Org2MSP of chaincode _lifecycle: needs /Channel/Application/Org2/Endorsement (Org2MSP.peer); got Org1MSP.peer, Org3MSP.peer"}},
		{"collection write endorsed by its owner alone", [][][]byte{{by("a", private("coll1"), "", n.peer1)}}, nil},
		{"collection write endorsed by non-owners", [][][]byte{{by("a", private("coll1"), "", n.peer2, n.peer3)}},
			&wantFault{2, 0, -1, FaultEndorsementPolicy, "collection coll1 of chaincode cc: needs Org1MSP.peer; got Org2MSP.peer, Org3MSP.peer"}},
		{"collection without a policy of its own takes the chaincode's", [][][]byte{{by("a", private("coll3"), "", n.peer3)}},
			&wantFault{2, 0, -1, FaultEndorsementPolicy, "collection coll3 of chaincode cc: needs 2 of"}},
		{"undefined collection", [][][]byte{{by("a", private("nope"), "", n.peer1, n.peer2)}},
			&wantFault{2, 0, -1, FaultEndorsementPolicy, `chaincode cc has no collection "nope"`}},
		{"key-level policy set, then the key written without its owner", [][][]byte{{setOwner}, {by("b", write("owned", []byte("w")), "", n.peer1, n.peer2)}},
			&wantFault{3, 0, -1, FaultEndorsementPolicy, `key "owned" of chaincode cc has a key-level policy: needs Org3MSP.peer; got Org1MSP.peer, Org2MSP.peer`}},
		{"key-level policy satisfied by the owner alone", [][][]byte{{setOwner}, {by("b", write("owned", []byte("w")), "", n.peer3)}}, nil},
		{"key-level policy binds the metadata write that changes it", [][][]byte{{setOwner}, {by("b", []rw{{ns: "cc",
			sbe: map[string]*cb.SignaturePolicyEnvelope{"owned": nil}}}, "", n.peer1, n.peer2)}},
			&wantFault{3, 0, -1, FaultEndorsementPolicy, `key "owned" of chaincode cc has a key-level policy`}},
		{"other keys keep the chaincode policy", [][][]byte{{setOwner}, {by("b", write("free", []byte("w")), "", n.peer1, n.peer2)}}, nil},
		{"key-level policy changed earlier in the same block", [][][]byte{{setOwner, by("b", write("owned", []byte("w")), "", n.peer1, n.peer2)}},
			&wantFault{2, 1, -1, FaultEndorsementPolicy, "whose key-level policy tx 0 of this block changed"}},
		{"private key-level policy set, then the key written without its owner", [][][]byte{
			{by("set", []rw{{ns: "cc", private: map[string][]string{"coll1": {"secret"}},
				privSBE: map[string]map[string]*cb.SignaturePolicyEnvelope{"coll1": {"secret": org3}}}}, "", n.peer1)},
			{by("b", private("coll1"), "", n.peer1)}},
			&wantFault{3, 0, -1, FaultEndorsementPolicy, "in collection coll1 of chaincode cc has a key-level policy: needs Org3MSP.peer; got Org1MSP.peer"}},
		{"private key-level policy satisfied by its owner", [][][]byte{
			{by("set", []rw{{ns: "cc", private: map[string][]string{"coll1": {"secret"}},
				privSBE: map[string]map[string]*cb.SignaturePolicyEnvelope{"coll1": {"secret": org3}}}}, "", n.peer1)},
			{by("b", private("coll1"), "", n.peer3)}}, nil},
		{"deleting a key drops its policy", [][][]byte{{setOwner}, {by("b", write("owned", nil), "", n.peer3)},
			{by("c", write("owned", []byte("w")), "", n.peer1, n.peer2)}}, nil},
		{"removing the metadata drops the policy", [][][]byte{{setOwner}, {by("b", []rw{{ns: "cc",
			sbe: map[string]*cb.SignaturePolicyEnvelope{"owned": nil}}}, "", n.peer3)}, {by("c", write("owned", []byte("w")), "", n.peer1, n.peer2)}}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkFault(t, New(Options{}).VerifyBlocks(n.chain(t, tc.blocks...)), tc.want)
		})
	}
}

// Large blocks have their signatures checked in parallel; the fault
// reported is still the first in block order.
func TestParallelFaultOrder(t *testing.T) {
	n := newNetwork(t)
	block := n.goodBlock(t, 1, 3*parallelMin)
	block[2*parallelMin] = n.tx(t, "late", txSpec{creator: n.client, endorsers: []*signer{n.peer1, n.peer2}, badCreatorSig: true, badEndorsementAt: -1})
	block[parallelMin+1] = n.tx(t, "mid", txSpec{creator: n.client, endorsers: []*signer{n.peer1, n.rogueClient}, badEndorsementAt: -1})
	block[parallelMin] = n.tx(t, "early", txSpec{creator: n.client, endorsers: []*signer{n.peer3}, badEndorsementAt: -1})
	for range 5 {
		checkFault(t, New(Options{}).VerifyBlocks(n.chain(t, block)), &wantFault{2, parallelMin, -1, FaultEndorsementPolicy, "got Org3MSP.peer"})
	}
	block[parallelMin] = n.goodTx(t, "early")
	checkFault(t, New(Options{}).VerifyBlocks(n.chain(t, block)), &wantFault{2, parallelMin + 1, 1, FaultEndorserCertificate, "does not chain"})
}

// A config block (block 3) adds CRLs; signers revoked by them fail from
// block 4 on, and verified before it.
func TestRevocation(t *testing.T) {
	n := newNetwork(t)
	withCRL := func(msp string, crl []byte) [][]byte {
		return [][]byte{n.configEnvelopeWith(t, cfgSpec{crls: map[string][][]byte{msp: {crl}}}, n.orderer)}
	}
	cases := []struct {
		name string
		cfg  [][]byte
		want *wantFault
	}{
		{"revoked endorser", withCRL("Org2MSP", n.org2CA.crl(t, nil, n.peer2)),
			&wantFault{4, 0, 1, FaultCertificateRevoked, `certificate "peer0.org2": certificate revoked: serial`}},
		{"revoked creator", withCRL("Org1MSP", n.org1CA.crl(t, nil, n.client)),
			&wantFault{4, 0, -1, FaultCertificateRevoked, `creator: certificate "client": certificate revoked`}},
		{"revoked orderer", withCRL("OrdererMSP", n.ordererCA.crl(t, nil, n.orderer)),
			&wantFault{4, -1, -1, FaultCertificateRevoked, "certificate revoked"}},
		{"CRL revoking someone else", withCRL("Org2MSP", n.org2CA.crl(t, nil, n.org4Client)), nil},
		// Fabric skips a CRL whose signature is not the issuing CA's
		// (validateCertAgainstChain); so does this package.
		{"CRL signed by a wrong key is ignored", withCRL("Org2MSP", n.org2CA.crl(t, n.rogueCA.key, n.peer2)), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			blocks := n.chain(t, n.goodBlock(t, 1, 1), tc.cfg, n.goodBlock(t, 3, 1))
			checkFault(t, New(Options{}).VerifyBlocks(blocks), tc.want)
		})
	}
}

// The orderers' signatures are judged by /Channel/Orderer/BlockValidation:
// ANY orderer org's Writers, here the orderer role (or admin).
func TestBlockValidationPolicy(t *testing.T) {
	n := newNetwork(t)
	blocks := n.chain(t, n.goodBlock(t, 1, 1))
	resign(t, blocks[2], n.ordererClient)
	checkFault(t, New(Options{}).VerifyBlocks(blocks), &wantFault{2, -1, -1, FaultOrdererSignature,
		"signers OrdererMSP.client do not satisfy /Channel/Orderer/BlockValidation"})
}

// The policy state (definitions, key-level policies) is in the checkpoint:
// a resumed Verifier judges the key by the policy set before the checkpoint.
// A checkpoint without it (written before policy checks) resumes without
// policy checks.
func TestCheckpointPolicyState(t *testing.T) {
	n := newNetwork(t)
	set := n.tx(t, "set", txSpec{creator: n.client, endorsers: []*signer{n.peer1, n.peer2}, badEndorsementAt: -1,
		rws: []rw{{ns: "cc", writes: map[string][]byte{"owned": []byte("v")},
			sbe: map[string]*cb.SignaturePolicyEnvelope{"owned": outOf(1, role("Org3MSP", mspb.MSPRole_PEER))}}}})
	without := n.tx(t, "without", txSpec{creator: n.client, endorsers: []*signer{n.peer1, n.peer2}, badEndorsementAt: -1,
		rws: []rw{{ns: "cc", writes: map[string][]byte{"owned": []byte("w")}}}})
	blocks := n.chain(t, [][]byte{set}, [][]byte{n.goodTx(t, "other")}, [][]byte{without})
	v := New(Options{})
	if err := v.VerifyBlocks(blocks[:4]); err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(v.Checkpoint())
	if err != nil {
		t.Fatal(err)
	}
	var cp Checkpoint
	if err := json.Unmarshal(raw, &cp); err != nil {
		t.Fatal(err)
	}
	if cp.Policies == nil || len(cp.Policies.KeyPolicies) != 1 || len(cp.Policies.KeyPolicies[0].Keys) != 1 ||
		string(cp.Policies.KeyPolicies[0].Keys[0]) != "owned" ||
		len(cp.Policies.Lifecycle) == 0 {
		t.Fatalf("policy state %+v", cp.Policies)
	}
	r, err := Resume(cp, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !r.ChecksEndorsementPolicies() {
		t.Fatal("resumed verifier does not check policies")
	}
	checkFault(t, r.VerifyBlock(blocks[4]), &wantFault{4, 0, -1, FaultEndorsementPolicy, `key "owned" of chaincode cc has a key-level policy`})

	// An old checkpoint: no "policies" member.
	var old map[string]json.RawMessage
	if err := json.Unmarshal(raw, &old); err != nil {
		t.Fatal(err)
	}
	delete(old, "policies")
	raw, _ = json.Marshal(old)
	cp = Checkpoint{}
	if err := json.Unmarshal(raw, &cp); err != nil {
		t.Fatal(err)
	}
	r, err = Resume(cp, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.ChecksEndorsementPolicies() {
		t.Fatal("verifier resumed without policy state claims to check policies")
	}
	if err := r.VerifyBlock(blocks[4]); err != nil {
		t.Fatal(err)
	}
	if r.Checkpoint().Policies != nil {
		t.Fatal("checkpoint invents a policy state")
	}
}

// The exported pieces a proof verifier uses, on the synthetic network.
func TestProofAPI(t *testing.T) {
	n := newNetwork(t)
	blocks := n.chain(t, [][]byte{n.goodTx(t, "a")})
	cfg, err := ParseChannelConfig(blocks[0])
	if err != nil {
		t.Fatal(err)
	}
	defs, err := ChaincodeDefinitionsInTransaction(envelope(t, blocks[1], 0))
	if err != nil || len(defs) != 1 || defs[0].Name != "cc" || defs[0].Sequence != 1 || len(defs[0].Collections.GetConfig()) != 2 {
		t.Fatalf("definitions %v %v", defs, err)
	}
	if got := cfg.DescribePolicy(defs[0].ValidationParameter); got != "2 of Org1MSP.peer, Org2MSP.peer, Org3MSP.peer" {
		t.Fatalf("policy %q", got)
	}
	coll1, err := cfg.EndorsementPolicy(defs[0], "coll1")
	if err != nil || cfg.DescribePolicy(coll1) != "Org1MSP.peer" {
		t.Fatalf("coll1 policy %q %v", cfg.DescribePolicy(coll1), err)
	}
	a, err := parseEndorserTx(envelope(t, blocks[2], 0).Payload)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.CheckEndorsementPolicy(defs[0].ValidationParameter, a.prp, a.ends); err != nil {
		t.Fatal(err)
	}
	err = cfg.CheckEndorsementPolicy(defs[0].ValidationParameter, a.prp, a.ends[1:])
	if err == nil || err.Error() != "needs 2 of Org1MSP.peer, Org2MSP.peer, Org3MSP.peer; got Org2MSP.peer" {
		t.Fatalf("got %v", err)
	}
	if err := cfg.CheckEndorsementPolicy(coll1, []byte("another payload"), a.ends); err == nil {
		t.Fatal("endorsements over another payload accepted")
	}
	if err := cfg.ValidateIdentity(n.rogueClient.serialized); err == nil {
		t.Fatal("rogue identity valid")
	}
}

func envelope(t *testing.T, b *cb.Block, i int) *cb.Envelope {
	env := &cb.Envelope{}
	if err := proto.Unmarshal(b.Data.Data[i], env); err != nil {
		t.Fatal(err)
	}
	return env
}
