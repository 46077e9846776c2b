package proofbundle

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govchain/govchain/internal/ledgerverify"
	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset/kvrwset"
	pb "github.com/hyperledger/fabric-protos-go-apiv2/peer"
	lb "github.com/hyperledger/fabric-protos-go-apiv2/peer/lifecycle"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Failure is why a bundle does not verify (or cannot be built).
type Failure struct {
	Check  string // what failed: format, encoding, block, data-hash, orderer-signature, ...
	Block  int64  // the block concerned, -1 if none
	Detail string
}

func (f *Failure) Error() string {
	if f.Block >= 0 {
		return fmt.Sprintf("%s: block %d: %s", f.Check, f.Block, f.Detail)
	}
	return f.Check + ": " + f.Detail
}

func fail(check string, block int64, format string, a ...any) *Failure {
	return &Failure{Check: check, Block: block, Detail: fmt.Sprintf(format, a...)}
}

const lifecycleNS = "_lifecycle"

// definitionRead is the _lifecycle field every invocation of a chaincode reads
// (the peer checks the definition's sequence before it simulates): its
// version is the (block, tx) of the _lifecycle commit of the definition in force.
const definitionRead = "Sequence"

var canon = proto.MarshalOptions{Deterministic: true}

// strictUnmarshal decodes raw into m and requires that m has no unknown
// fields (at any depth) and re-marshals to exactly raw.
func strictUnmarshal(raw []byte, m proto.Message) error {
	if err := proto.Unmarshal(raw, m); err != nil {
		return err
	}
	if err := noUnknown(m.ProtoReflect()); err != nil {
		return err
	}
	again, err := canon.Marshal(m)
	if err != nil {
		return err
	}
	if !bytes.Equal(again, raw) {
		return fmt.Errorf("%s is not canonically encoded (%d bytes re-marshal to %d different bytes)",
			m.ProtoReflect().Descriptor().Name(), len(raw), len(again))
	}
	return nil
}

func noUnknown(m protoreflect.Message) error {
	if len(m.GetUnknown()) > 0 {
		return fmt.Errorf("%s has unknown fields", m.Descriptor().Name())
	}
	var err error
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			l := v.List()
			for i := 0; i < l.Len() && err == nil; i++ {
				err = noUnknown(l.Get(i).Message())
			}
		case fd.IsMap():
		case fd.Message() != nil:
			err = noUnknown(v.Message())
		}
		return err == nil
	})
	return err
}

// parsedBlock is a block of a bundle with what its checks found.
type parsedBlock struct {
	raw        []byte
	b          *cb.Block
	num        uint64
	lastConfig uint64
	filter     []byte
	sigs       *cb.Metadata
}

func parseBlock(raw []byte) (*parsedBlock, *Failure) {
	b := &cb.Block{}
	if err := strictUnmarshal(raw, b); err != nil {
		return nil, fail("block", -1, "%v", err)
	}
	if b.Header == nil || b.Data == nil || b.Metadata == nil {
		return nil, fail("block", -1, "block has no header, data or metadata")
	}
	num := b.Header.Number
	n := int64(num)
	if dh := ledgerverify.DataHash(b.Data); !bytes.Equal(dh, b.Header.DataHash) {
		return nil, fail("data-hash", n, "header data_hash %x, the data hashes to %x", b.Header.DataHash, dh)
	}
	md := b.Metadata.Metadata
	if len(md) != 5 {
		return nil, fail("block", n, "metadata has %d entries, want 5", len(md))
	}
	for _, i := range []cb.BlockMetadataIndex{cb.BlockMetadataIndex_LAST_CONFIG, cb.BlockMetadataIndex_ORDERER, cb.BlockMetadataIndex_COMMIT_HASH} {
		if len(md[i]) != 0 {
			return nil, fail("block", n, "metadata %v must be empty in a bundle (no signature covers it)", i)
		}
	}
	filter := md[cb.BlockMetadataIndex_TRANSACTIONS_FILTER]
	if len(filter) != len(b.Data.Data) {
		return nil, fail("block", n, "transactions filter has %d entries for %d transactions", len(filter), len(b.Data.Data))
	}
	for i, c := range filter {
		if _, ok := pb.TxValidationCode_name[int32(c)]; !ok {
			return nil, fail("block", n, "transaction %d: unknown validation code %d", i, c)
		}
	}
	sigs := &cb.Metadata{}
	if err := strictUnmarshal(md[cb.BlockMetadataIndex_SIGNATURES], sigs); err != nil {
		return nil, fail("block", n, "signatures metadata: %v", err)
	}
	obm := &cb.OrdererBlockMetadata{}
	if err := strictUnmarshal(sigs.Value, obm); err != nil {
		return nil, fail("block", n, "orderer block metadata: %v", err)
	}
	if obm.LastConfig == nil {
		return nil, fail("block", n, "orderer block metadata has no last config")
	}
	return &parsedBlock{raw: raw, b: b, num: num, lastConfig: obm.LastConfig.Index, filter: filter, sigs: sigs}, nil
}

// verifyOrdererSignatures requires at least one orderer signature, every
// one of them to verify, by a valid identity (ledgerverify: CA chain, CRLs,
// NodeOUs) of an orderer org of msps, and the signers to satisfy the
// channel's /Channel/Orderer/BlockValidation policy as ledgerverify
// evaluates it.
func (p *parsedBlock) verifyOrdererSignatures(msps *ledgerverify.MSPs) *Failure {
	n := int64(p.num)
	if len(p.sigs.Signatures) == 0 {
		return fail("orderer-signature", n, "the block carries no orderer signature")
	}
	hdr := ledgerverify.HeaderBytes(p.b.Header)
	for i, s := range p.sigs.Signatures {
		shdr := &cb.SignatureHeader{}
		if err := strictUnmarshal(s.SignatureHeader, shdr); err != nil {
			return fail("orderer-signature", n, "signature %d header: %v", i, err)
		}
		pub, err := msps.Key(shdr.Creator, true)
		if err != nil {
			return fail("orderer-signature", n, "signature %d: %v", i, err)
		}
		msg := make([]byte, 0, len(p.sigs.Value)+len(s.SignatureHeader)+len(hdr))
		msg = append(append(append(msg, p.sigs.Value...), s.SignatureHeader...), hdr...)
		if !ledgerverify.VerifyECDSA(pub, s.Signature, msg) {
			return fail("orderer-signature", n, "signature %d does not verify", i)
		}
	}
	if f := msps.Config().CheckBlockSignatures(p.b); f != nil {
		return fail("orderer-signature", n, "%s", f.Detail)
	}
	return nil
}

// envelope is one decoded transaction envelope.
type envelope struct {
	env  *cb.Envelope
	pay  *cb.Payload
	chdr *cb.ChannelHeader
	shdr *cb.SignatureHeader
}

func decodeEnvelope(raw []byte) (*envelope, error) {
	e := &envelope{env: &cb.Envelope{}, pay: &cb.Payload{}, chdr: &cb.ChannelHeader{}, shdr: &cb.SignatureHeader{}}
	if err := strictUnmarshal(raw, e.env); err != nil {
		return nil, fmt.Errorf("envelope: %w", err)
	}
	if err := strictUnmarshal(e.env.Payload, e.pay); err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	if e.pay.Header == nil {
		return nil, errors.New("payload has no header")
	}
	if err := strictUnmarshal(e.pay.Header.ChannelHeader, e.chdr); err != nil {
		return nil, fmt.Errorf("channel header: %w", err)
	}
	if err := strictUnmarshal(e.pay.Header.SignatureHeader, e.shdr); err != nil {
		return nil, fmt.Errorf("signature header: %w", err)
	}
	return e, nil
}

// endorserTx is a decoded endorser transaction. Its identities and
// signatures are not verified here: ledgerverify's CheckTransaction does.
type endorserTx struct {
	envelope
	chaincode    *pb.ChaincodeID
	rwset        []*nsRW
	creator      Signer
	endorsers    []Signer
	prp          []byte // the endorsed proposal response payload
	endorsements []*pb.Endorsement
}

type nsRW struct {
	ns   string
	kv   *kvrwset.KVRWSet
	coll []*collRW
}

type collRW struct {
	name string
	h    *kvrwset.HashedRWSet
}

// decodeEndorserTx decodes an endorser transaction strictly and checks its
// tx id derivation, its proposal hash and the chaincode it names (whatever
// its validation code). Errors name the check.
func decodeEndorserTx(e *envelope) (*endorserTx, *Failure) {
	f := func(check, format string, a ...any) *Failure { return fail(check, -1, format, a...) }
	if cb.HeaderType(e.chdr.Type) != cb.HeaderType_ENDORSER_TRANSACTION {
		return nil, f("transaction", "header type %v, want ENDORSER_TRANSACTION", cb.HeaderType(e.chdr.Type))
	}
	t := &endorserTx{envelope: *e}
	creator, err := signerOf(e.shdr.Creator)
	if err != nil {
		return nil, f("creator-certificate", "%v", err)
	}
	t.creator = creator
	sum := sha256.Sum256(append(append([]byte{}, e.shdr.Nonce...), e.shdr.Creator...))
	if want := hex.EncodeToString(sum[:]); e.chdr.TxId != want {
		return nil, f("tx-id", "tx id %s is not hex(SHA-256(nonce || creator)) %s", e.chdr.TxId, want)
	}
	ext := &pb.ChaincodeHeaderExtension{}
	if err := strictUnmarshal(e.chdr.Extension, ext); err != nil {
		return nil, f("transaction", "chaincode header extension: %v", err)
	}
	tx := &pb.Transaction{}
	if err := strictUnmarshal(e.pay.Data, tx); err != nil {
		return nil, f("transaction", "%v", err)
	}
	if len(tx.Actions) != 1 {
		return nil, f("transaction", "%d actions, want 1", len(tx.Actions))
	}
	act := tx.Actions[0]
	if !bytes.Equal(act.Header, e.pay.Header.SignatureHeader) {
		return nil, f("transaction", "the action's signature header differs from the envelope's")
	}
	ccap := &pb.ChaincodeActionPayload{}
	if err := strictUnmarshal(act.Payload, ccap); err != nil {
		return nil, f("transaction", "chaincode action payload: %v", err)
	}
	ea := ccap.Action
	if ea == nil || len(ea.Endorsements) == 0 {
		return nil, f("transaction", "no endorsements")
	}
	// As Fabric's validation: the endorsed response is bound to this proposal.
	h := sha256.New()
	h.Write(e.pay.Header.ChannelHeader)
	h.Write(e.pay.Header.SignatureHeader)
	h.Write(ccap.ChaincodeProposalPayload)
	prp := &pb.ProposalResponsePayload{}
	if err := strictUnmarshal(ea.ProposalResponsePayload, prp); err != nil {
		return nil, f("transaction", "proposal response payload: %v", err)
	}
	if !bytes.Equal(prp.ProposalHash, h.Sum(nil)) {
		return nil, f("proposal-hash", "the endorsed proposal hash does not match the transaction's proposal")
	}
	cca := &pb.ChaincodeAction{}
	if err := strictUnmarshal(prp.Extension, cca); err != nil {
		return nil, f("transaction", "chaincode action: %v", err)
	}
	if cca.ChaincodeId == nil || ext.ChaincodeId == nil || cca.ChaincodeId.Name != ext.ChaincodeId.Name {
		return nil, f("transaction", "the endorsed chaincode differs from the invoked one")
	}
	t.chaincode = cca.ChaincodeId
	t.prp, t.endorsements = ea.ProposalResponsePayload, ea.Endorsements
	for i, en := range ea.Endorsements {
		s, err := signerOf(en.Endorser)
		if err != nil {
			return nil, fail("endorser-certificate", -1, "endorsement %d: %v", i, err)
		}
		t.endorsers = append(t.endorsers, s)
	}
	txrw := &rwset.TxReadWriteSet{}
	if err := strictUnmarshal(cca.Results, txrw); err != nil {
		return nil, f("transaction", "read/write set: %v", err)
	}
	for _, ns := range txrw.NsRwset {
		kv := &kvrwset.KVRWSet{}
		if err := strictUnmarshal(ns.Rwset, kv); err != nil {
			return nil, f("transaction", "read/write set of %s: %v", ns.Namespace, err)
		}
		n := &nsRW{ns: ns.Namespace, kv: kv}
		for _, c := range ns.CollectionHashedRwset {
			hs := &kvrwset.HashedRWSet{}
			if err := strictUnmarshal(c.HashedRwset, hs); err != nil {
				return nil, f("transaction", "hashed read/write set of %s/%s: %v", ns.Namespace, c.CollectionName, err)
			}
			n.coll = append(n.coll, &collRW{name: c.CollectionName, h: hs})
		}
		t.rwset = append(t.rwset, n)
	}
	return t, nil
}

func (t *endorserTx) ns(name string) *nsRW {
	for _, n := range t.rwset {
		if n.ns == name {
			return n
		}
	}
	return nil
}

func (n *nsRW) writes() bool {
	if len(n.kv.Writes) > 0 || len(n.kv.MetadataWrites) > 0 {
		return true
	}
	for _, c := range n.coll {
		if len(c.h.HashedWrites) > 0 || len(c.h.MetadataWrites) > 0 {
			return true
		}
	}
	return false
}

// definition is a chaincode definition read from a _lifecycle commit: the
// part validation uses as ledgerverify reads it, and what the summary shows.
type definition struct {
	def         *ledgerverify.ChaincodeDefinition
	version     string
	policy      string // rendered
	collections []CollectionPolicy
}

func lifecycleKey(cc, field string) string { return "namespaces/fields/" + cc + "/" + field }

func readDefinition(t *endorserTx, cc string) (*definition, error) {
	defs, err := ledgerverify.ChaincodeDefinitionsInTransaction(t.env)
	if err != nil {
		return nil, err
	}
	d := &definition{collections: []CollectionPolicy{}}
	for _, x := range defs {
		if x.Name == cc {
			d.def = x
		}
	}
	if d.def == nil {
		// A redefinition rewrites only the fields that changed.
		return nil, fmt.Errorf("the definition transaction does not write %s (a bundle needs the _lifecycle commit that wrote the endorsement policy)", lifecycleKey(cc, "ValidationInfo"))
	}
	if d.def.ValidationPlugin != "vscc" {
		return nil, fmt.Errorf("validation plugin %q is not supported (only vscc)", d.def.ValidationPlugin)
	}
	if d.policy, err = applicationPolicyString(d.def.ValidationParameter); err != nil {
		return nil, fmt.Errorf("chaincode endorsement policy: %w", err)
	}
	var ei []byte
	found := false
	if ns := t.ns(lifecycleNS); ns != nil {
		for _, w := range ns.kv.Writes {
			if w.Key == lifecycleKey(cc, "EndorsementInfo") && !w.IsDelete {
				ei, found = w.Value, true
			}
		}
	}
	if !found {
		return nil, fmt.Errorf("the definition transaction does not write %s", lifecycleKey(cc, "EndorsementInfo"))
	}
	sd := &lb.StateData{}
	info := &lb.ChaincodeEndorsementInfo{}
	if err := proto.Unmarshal(ei, sd); err != nil {
		return nil, fmt.Errorf("EndorsementInfo: %w", err)
	}
	if err := proto.Unmarshal(sd.GetBytes(), info); err != nil {
		return nil, fmt.Errorf("EndorsementInfo: %w", err)
	}
	d.version = info.Version
	for _, c := range d.def.Collections.GetConfig() {
		sc := c.GetStaticCollectionConfig()
		if sc == nil {
			continue
		}
		cp := CollectionPolicy{Name: sc.Name}
		if sc.EndorsementPolicy != nil {
			raw, err := proto.Marshal(sc.EndorsementPolicy)
			if err != nil {
				return nil, err
			}
			if cp.EndorsementPolicy, err = applicationPolicyString(raw); err != nil {
				return nil, fmt.Errorf("collection %s endorsement policy: %w", sc.Name, err)
			}
		}
		d.collections = append(d.collections, cp)
	}
	return d, nil
}

// ownPolicy reports whether writes to collection coll of the chaincode are
// judged by a policy of the collection's own (a static collection's
// endorsement policy, or an implicit org collection's org policy) rather
// than the chaincode's, as Fabric's CollectionValidationInfo.
func ownPolicy(def *ledgerverify.ChaincodeDefinition, coll string) bool {
	if strings.HasPrefix(coll, "_implicit_org_") {
		return true
	}
	for _, c := range def.Collections.GetConfig() {
		if sc := c.GetStaticCollectionConfig(); sc != nil && sc.Name == coll {
			return sc.EndorsementPolicy != nil
		}
	}
	return false
}

// Derive checks the blocks of a bundle and derives the whole bundle from them
// and the transaction id: the file of a genuine bundle is exactly
// Encode(Derive(its blocks, its tx id)).
func Derive(raws [][]byte, txID string) (*Bundle, error) {
	if len(raws) < 3 {
		return nil, fail("format", -1, "%d blocks, want at least 3 (config, definition, transaction)", len(raws))
	}
	blocks := make([]*parsedBlock, len(raws))
	for i, raw := range raws {
		p, f := parseBlock(raw)
		if f != nil {
			if f.Block < 0 {
				f.Detail = fmt.Sprintf("block %d of the bundle: %s", i, f.Detail)
			}
			return nil, f
		}
		if i > 0 && p.num <= blocks[i-1].num {
			return nil, fail("format", int64(p.num), "blocks are not in increasing order")
		}
		blocks[i] = p
	}
	nc := len(blocks) - 2
	configs, def, txb := blocks[:nc], blocks[nc], blocks[nc+1]

	// Config blocks: the first is the trust anchor; each later one is signed
	// by the orderers of the one before.
	msps := make([]*ledgerverify.MSPs, nc)
	cfgs := make([]*ledgerverify.ChannelConfig, nc)
	channel := ""
	for i, c := range configs {
		n := int64(c.num)
		if len(c.b.Data.Data) != 1 {
			return nil, fail("config", n, "a config block holds 1 transaction, this one %d", len(c.b.Data.Data))
		}
		e, err := decodeEnvelope(c.b.Data.Data[0])
		if err != nil {
			return nil, fail("config", n, "%v", err)
		}
		if cb.HeaderType(e.chdr.Type) != cb.HeaderType_CONFIG {
			return nil, fail("config", n, "header type %v, want CONFIG", cb.HeaderType(e.chdr.Type))
		}
		if pb.TxValidationCode(c.filter[0]) != pb.TxValidationCode_VALID {
			return nil, fail("config", n, "the config transaction is marked %v", pb.TxValidationCode(c.filter[0]))
		}
		if c.lastConfig != c.num {
			return nil, fail("config", n, "its last config index is %d, not itself", c.lastConfig)
		}
		if channel == "" {
			channel = e.chdr.ChannelId
		} else if e.chdr.ChannelId != channel {
			return nil, fail("config", n, "channel %q, the bundle's other blocks %q", e.chdr.ChannelId, channel)
		}
		m, err := ledgerverify.MSPsFromConfigBlock(c.b)
		if err != nil {
			return nil, fail("config", n, "%v", err)
		}
		msps[i], cfgs[i] = m, m.Config()
		switch {
		case i > 0:
			if f := c.verifyOrdererSignatures(msps[i-1]); f != nil {
				return nil, f
			}
		case c.num == 0:
			if len(c.sigs.Signatures) != 0 {
				return nil, fail("orderer-signature", 0, "the genesis block carries signatures")
			}
		default:
			if f := c.verifyOrdererSignatures(m); f != nil {
				return nil, f
			}
		}
	}

	// The definition block is in force under the first config block, the
	// transaction block under the last one: the orderers sign these indexes.
	if def.lastConfig != configs[0].num {
		return nil, fail("config", int64(def.num), "the block's last config is block %d, the bundle's first config block is %d", def.lastConfig, configs[0].num)
	}
	if txb.lastConfig != configs[nc-1].num {
		return nil, fail("config", int64(txb.num), "the block's last config is block %d, the bundle's last config block is %d", txb.lastConfig, configs[nc-1].num)
	}
	if f := def.verifyOrdererSignatures(msps[0]); f != nil {
		return nil, f
	}
	if f := txb.verifyOrdererSignatures(msps[nc-1]); f != nil {
		return nil, f
	}

	// The transaction.
	tn := int64(txb.num)
	txIndex := -1
	var te *envelope
	for i, raw := range txb.b.Data.Data {
		e, err := decodeEnvelope(raw)
		if err != nil {
			return nil, fail("transaction", tn, "transaction %d: %v", i, err)
		}
		if e.chdr.TxId == txID {
			txIndex, te = i, e
			break
		}
	}
	if te == nil {
		return nil, fail("transaction", tn, "the block holds no transaction %q", txID)
	}
	if te.chdr.ChannelId != channel {
		return nil, fail("transaction", tn, "channel %q, the config's %q", te.chdr.ChannelId, channel)
	}
	code := pb.TxValidationCode(txb.filter[txIndex])
	valid := code == pb.TxValidationCode_VALID
	tx, f := decodeEndorserTx(te)
	if f != nil {
		f.Block = tn
		return nil, f
	}
	cc := tx.chaincode.Name
	if cc == lifecycleNS || cc == "lscc" || cc == "qscc" || cc == "cscc" {
		return nil, fail("transaction", tn, "chaincode %q is a system chaincode", cc)
	}
	for _, n := range tx.rwset {
		if n.ns != cc && n.writes() {
			return nil, fail("transaction", tn, "the transaction writes namespace %q, whose definition the bundle does not carry", n.ns)
		}
	}

	// The definition in force: the version of its Sequence the transaction read.
	lns := tx.ns(lifecycleNS)
	var defVersion *kvrwset.Version
	if lns != nil {
		for _, r := range lns.kv.Reads {
			if r.Key == lifecycleKey(cc, definitionRead) {
				defVersion = r.Version
			}
		}
	}
	if defVersion == nil {
		return nil, fail("definition", tn, "the transaction did not read the definition of %s", cc)
	}
	dn := int64(def.num)
	if defVersion.BlockNum != def.num {
		return nil, fail("definition", dn, "the transaction read the definition of %s at block %d tx %d, the bundle carries block %d", cc, defVersion.BlockNum, defVersion.TxNum, def.num)
	}
	if defVersion.TxNum >= uint64(len(def.b.Data.Data)) {
		return nil, fail("definition", dn, "the block has no transaction %d", defVersion.TxNum)
	}
	if pb.TxValidationCode(def.filter[defVersion.TxNum]) != pb.TxValidationCode_VALID {
		return nil, fail("definition", dn, "the definition transaction is marked %v", pb.TxValidationCode(def.filter[defVersion.TxNum]))
	}
	de, err := decodeEnvelope(def.b.Data.Data[defVersion.TxNum])
	if err != nil {
		return nil, fail("definition", dn, "%v", err)
	}
	if de.chdr.ChannelId != channel {
		return nil, fail("definition", dn, "channel %q, the config's %q", de.chdr.ChannelId, channel)
	}
	dtx, f := decodeEndorserTx(de)
	if f != nil {
		f.Block = dn
		return nil, f
	}
	if dtx.chaincode.Name != lifecycleNS {
		return nil, fail("definition", dn, "transaction %d invokes %q, not %s", defVersion.TxNum, dtx.chaincode.Name, lifecycleNS)
	}
	// The _lifecycle commit as Fabric validated it, under the config in
	// force at its block: creator, endorsers (CA chain, CRLs, NodeOUs),
	// signatures, and the channel's LifecycleEndorsement policy.
	if lf := cfgs[0].CheckTransaction(de.env, nil, nil); lf != nil {
		return nil, faultFailure(lf, dn, "the _lifecycle commit of the definition: ")
	}
	d, err := readDefinition(dtx, cc)
	if err != nil {
		return nil, fail("definition", dn, "%v", err)
	}
	if valid && d.version != tx.chaincode.Version {
		return nil, fail("definition", tn, "the transaction ran chaincode version %q, the definition says %q", tx.chaincode.Version, d.version)
	}

	// The transaction as Fabric's validator judged it, under the config in
	// force at its block, by ledgerverify: creator and endorsers valid (CA
	// chain, CRLs, NodeOUs), signatures, and every endorsement policy of its
	// writes (chaincode, collections), with no key-level policy in force (a
	// key-level policy this transaction sets applies from the next block; one
	// set earlier is state the bundle does not carry).
	cfg := cfgs[nc-1]
	if valid {
		if lf := cfg.CheckTransaction(te.env, []*ledgerverify.ChaincodeDefinition{d.def}, nil); lf != nil {
			return nil, faultFailure(lf, tn, "")
		}
	}

	// The policies evaluated, for the summary (for a transaction marked
	// invalid they are only reported): for the chaincode namespace, the
	// chaincode's policy if it has public (or public metadata) writes, each
	// written collection's own policy (or the chaincode's), at least the
	// chaincode's (FAB-9473).
	var checks []PolicyCheck
	eval := func(scope, coll string) error {
		for _, c := range checks {
			if c.Scope == scope {
				return nil
			}
		}
		p, err := cfg.EndorsementPolicy(d.def, coll)
		if err != nil {
			return err
		}
		s, err := applicationPolicyString(p)
		if err != nil {
			return err
		}
		ok := cfg.CheckEndorsementPolicy(p, tx.prp, tx.endorsements) == nil
		checks = append(checks, PolicyCheck{Scope: scope, Policy: s, Satisfied: ok})
		return nil
	}
	ccScope := "chaincode " + cc
	n := tx.ns(cc)
	if n != nil {
		if len(n.kv.Writes) > 0 || len(n.kv.MetadataWrites) > 0 {
			if err := eval(ccScope, ""); err != nil {
				return nil, fail("endorsement-policy", tn, "%v", err)
			}
		}
		for _, c := range n.coll {
			if len(c.h.HashedWrites) == 0 && len(c.h.MetadataWrites) == 0 {
				continue
			}
			scope, coll := ccScope, ""
			if ownPolicy(d.def, c.name) {
				scope, coll = "collection "+c.name, c.name
			} else if _, err := cfg.EndorsementPolicy(d.def, c.name); err != nil {
				return nil, fail("endorsement-policy", tn, "%v", err)
			}
			if err := eval(scope, coll); err != nil {
				return nil, fail("endorsement-policy", tn, "%v", err)
			}
		}
	}
	if len(checks) == 0 { // Fabric evaluates the chaincode's policy at least (FAB-9473)
		if err := eval(ccScope, ""); err != nil {
			return nil, fail("endorsement-policy", tn, "%v", err)
		}
	}
	if valid {
		for _, c := range checks {
			if !c.Satisfied {
				return nil, fail("endorsement-policy", tn, "the endorsements (%s) do not satisfy %s's policy %s", signerMSPs(tx.endorsers), c.Scope, c.Policy)
			}
		}
	}

	// What the transaction wrote.
	writes := []Write{}
	keys := []string{}
	keyPolicies := []KeyPolicy{}
	private := []PrivateWrite{}
	if n != nil {
		for _, w := range n.kv.Writes {
			wr := Write{Key: w.Key, IsDelete: w.IsDelete, Value: w.Value}
			if wr.Value == nil {
				wr.Value = []byte{}
			}
			if utf8.Valid(w.Value) {
				s := string(w.Value)
				wr.ValueText = &s
			}
			writes = append(writes, wr)
			if !strings.HasPrefix(w.Key, "idx~") {
				keys = append(keys, w.Key)
			}
		}
		addPolicies := func(coll, key string, entries []*kvrwset.KVMetadataEntry) error {
			for _, e := range entries {
				if e.Name != "VALIDATION_PARAMETER" {
					continue
				}
				env := &cb.SignaturePolicyEnvelope{}
				if err := proto.Unmarshal(e.Value, env); err != nil {
					return fmt.Errorf("key policy of %q: %w", key, err)
				}
				keyPolicies = append(keyPolicies, KeyPolicy{Collection: coll, Key: key, Policy: PolicyString(env)})
			}
			return nil
		}
		for _, m := range n.kv.MetadataWrites {
			if err := addPolicies("", m.Key, m.Entries); err != nil {
				return nil, fail("transaction", tn, "%v", err)
			}
		}
		for _, c := range n.coll {
			for _, w := range c.h.HashedWrites {
				private = append(private, PrivateWrite{Collection: c.name, KeyHash: hex.EncodeToString(w.KeyHash), ValueHash: hex.EncodeToString(w.ValueHash), IsDelete: w.IsDelete})
			}
			for _, m := range c.h.MetadataWrites {
				if err := addPolicies(c.name, hex.EncodeToString(m.KeyHash), m.Entries); err != nil {
					return nil, fail("transaction", tn, "%v", err)
				}
			}
		}
	}

	ts := ""
	if te.chdr.Timestamp != nil {
		ts = te.chdr.Timestamp.AsTime().UTC().Format(time.RFC3339Nano)
	}
	out := &Bundle{
		Format: Format,
		Summary: Summary{
			Channel:          channel,
			TxID:             txID,
			Block:            txb.num,
			TxIndex:          txIndex,
			ValidationCode:   code.String(),
			Timestamp:        ts,
			Creator:          tx.creator,
			Endorsers:        tx.endorsers,
			Chaincode:        cc,
			ChaincodeVersion: tx.chaincode.Version,
			Definition: Definition{
				Block: def.num, TxIndex: defVersion.TxNum, TxID: de.chdr.TxId, Sequence: d.def.Sequence,
				Version: d.version, EndorsementPolicy: d.policy, Collections: d.collections,
			},
			Policies:       checks,
			KeyPoliciesSet: keyPolicies,
			PrivateWrites:  private,
			TrustAnchor:    TrustAnchor{Block: configs[0].num, HeaderHash: hex.EncodeToString(ledgerverify.HeaderHash(configs[0].b.Header))},
			RecordKeys:     keys,
		},
		Writes: writes,
	}
	for i, p := range blocks {
		role := RoleConfig
		switch i {
		case nc:
			role = RoleDefinition
		case nc + 1:
			role = RoleTransaction
		}
		codes := make([]string, len(p.filter))
		for j, c := range p.filter {
			codes[j] = pb.TxValidationCode(c).String()
		}
		out.Blocks = append(out.Blocks, Block{Role: role, Number: p.num, HeaderHash: hex.EncodeToString(ledgerverify.HeaderHash(p.b.Header)), ValidationCodes: codes, Bytes: p.raw})
	}
	return out, nil
}

func signerMSPs(s []Signer) string {
	var out []string
	for _, x := range s {
		out = append(out, x.MSPID)
	}
	return strings.Join(out, ", ")
}

// faultFailure turns a ledgerverify fault on the transaction of block n
// into a Failure named by its kind (malformed: transaction).
func faultFailure(f *ledgerverify.Fault, n int64, prefix string) *Failure {
	check := string(f.Kind)
	if f.Kind == ledgerverify.FaultMalformed {
		check = "transaction"
	}
	detail := f.Detail
	if f.Endorsement >= 0 {
		detail = fmt.Sprintf("endorsement %d: %s", f.Endorsement, detail)
	}
	return fail(check, n, "%s%s", prefix, detail)
}
