// Package ledgerverify verifies a sequence of Hyperledger Fabric blocks
// offline, from the genesis block (or a checkpoint) onwards, as a Fabric peer
// validating them would, and reports the first fault exactly (block,
// transaction, endorsement, what failed).
//
// Checked for every block:
//   - the header hash chain and the data hash (the pinned Fabric's
//     protoutil.BlockHeaderBytes, BlockHeaderHash, BlockDataHash);
//   - the canonical encoding of every envelope, payload and transaction
//     (CVE-2023-46132, "crosslinking");
//   - the orderer signatures, as protoutil.BlockSignatureVerifier (non-BFT):
//     the signers must satisfy /Channel/Orderer/BlockValidation of the
//     configuration in force (for Raft, ANY orderer org's Writers; a
//     configuration without that policy falls back to one valid signature by
//     an orderer org member).
//
// Checked for every transaction the peer marked VALID:
//   - the creator: its identity is valid in its MSP, the envelope signature
//     verifies, and (endorser transactions) the tx id is hex(SHA-256(nonce ||
//     creator));
//   - the endorsed action, as Fabric's validateEndorserTransaction: one
//     action, whose proposal response is for this transaction's proposal
//     (its proposal hash is SHA-256 of the channel header, the action's
//     signature header and the chaincode proposal payload, so endorsements
//     cannot be replayed under another header or input), and whose chaincode
//     (with a version) is the one the header and the chaincode event name;
//   - every endorsement: endorser identity valid, signature over the proposal
//     response payload and endorser genuine;
//   - the endorsement policies Fabric's v2 validator applies (plugin
//     dispatcher, builtin v20 VSCC, state-based endorsement): for the invoked
//     chaincode and every namespace the transaction writes, each written key
//     (public or private hashed, values and metadata) is judged by its
//     key-level policy if it has one (VALIDATION_PARAMETER metadata), else by
//     its collection's endorsement policy if the collection has one, else by
//     the chaincode's endorsement policy; a namespace with no write is judged
//     by the chaincode's policy; a key whose key-level policy an earlier VALID
//     transaction of the same block changed is a fault, as in Fabric. The
//     chaincode definitions (ValidationInfo, Collections) come from the VALID
//     writes to the _lifecycle namespace, key-level policies from VALID
//     metadata writes, both taking effect from the next block. _lifecycle's
//     own writes are judged by /Channel/Application/LifecycleEndorsement (or
//     a majority of the orgs' members if absent), writes to an org's implicit
//     collection (approvals) by that org's Endorsement policy. Policies are
//     evaluated as cauthdsl (each identity satisfies at most one principal;
//     NOutOf greedy in rule order; duplicate identities count once) and
//     implicit meta policies (ANY, ALL, MAJORITY of the sub-groups);
//     principals are MSP roles (member, peer, client, admin, orderer — the
//     roles by NodeOU), identities, OUs, combined and anonymity principals.
//
// An identity is valid, as in Fabric's X.509 MSP (version 1.4.3, channel
// capability V2_0): not a CA, its certificate chains uniquely to a root CA of
// its MSP at the certificate's NotBefore (+1 s, so an expired certificate on
// an old block still verifies), its issuer is a leaf of the MSP's
// certification tree, no CRL of the MSP in the configuration in force revokes
// it (a CRL counts if its authority key id is the issuer's subject key id and
// the issuer signed it; a CRL with a wrong signature is ignored, as Fabric
// does), and with NodeOUs enabled it carries exactly one of the client, peer,
// admin and orderer OUs (certified by the configured chain, if any). A revoked
// creator, endorser or orderer is reported as FaultCertificateRevoked.
//
// Block 0 is the trust anchor: it carries no orderer signature, so its header
// hash (Checkpoint.HeaderHash after it) should be compared out of band with
// the one the auditor holds. A Checkpoint carries the configuration and the
// policy state, so a resumed run judges later blocks exactly as a full run.
//
// For proof bundles the package exports what an offline verifier of one
// transaction needs: ParseChannelConfig (the config block), then
// ChaincodeDefinitionsInTransaction (the block with the chaincode
// definition) and KeyPoliciesInTransaction (the block that set a key-level
// policy), then (*ChannelConfig).CheckTransaction for the whole judgement of
// one transaction, or the parts: EndorsementPolicy, CheckEndorsementPolicy,
// ValidateIdentity, DescribePolicy; CheckBlockSignatures for a block's
// orderer signatures.
//
// Not checked, or checked differently from Fabric:
//   - the TRANSACTIONS_FILTER is written by the peer, not signed by the
//     orderer: transactions it marks invalid are not judged (their writes are
//     not applied), and a peer could mark a valid transaction invalid without
//     any check here failing;
//   - the read/write-set (MVCC) validation, and the config update's
//     modification policies (only the config transaction creator's signature
//     and identity);
//   - stricter than Fabric: an endorsement whose identity is invalid or whose
//     signature does not verify is a fault, where Fabric only leaves it out of
//     the policy evaluation;
//   - a metadata write on a key that does not exist is a no-op in Fabric; key
//     existence is not tracked here, so such a key-level policy is kept (and
//     would judge a later write of the key);
//   - the in-block key-level policy conflict counts only earlier VALID
//     transactions (Fabric also counts earlier ones that passed endorsement
//     validation and then failed MVCC);
//   - chaincodes of the legacy lifecycle (lscc) are not known: a VALID
//     transaction invoking one is a fault; the builtin validation plugin's
//     rules are applied whatever plugin a definition names;
//   - X.509 MSPs only (no Idemix); ECDSA signatures only; Go's certificate
//     verification, without Fabric's Go 1.14 name-constraint quirk; admin and
//     IDENTITY principals compare certificates by their signed part (Fabric
//     compares low-S-normalised certificates: the same result).
package ledgerverify

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"runtime"
	"sync"
	"sync/atomic"

	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	pb "github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"
)

// FaultKind names what failed.
type FaultKind string

const (
	FaultMalformed            FaultKind = "malformed"             // a structure does not decode
	FaultSequence             FaultKind = "block-number"          // block number is not the next one
	FaultPreviousHash         FaultKind = "previous-hash"         // header.PreviousHash != hash of previous header
	FaultDataHash             FaultKind = "data-hash"             // header.DataHash != hash of block data
	FaultNonCanonical         FaultKind = "non-canonical"         // stored bytes differ from their deterministic re-marshal
	FaultOrdererSignature     FaultKind = "orderer-signature"     // no valid orderer signature on the block
	FaultConfig               FaultKind = "config"                // a config block cannot be read
	FaultTxID                 FaultKind = "tx-id"                 // tx id is not hex(SHA-256(nonce || creator))
	FaultCreatorSignature     FaultKind = "creator-signature"     // envelope signature does not verify
	FaultCreatorCertificate   FaultKind = "creator-certificate"   // creator cert does not chain to its MSP
	FaultEndorsementSignature FaultKind = "endorsement-signature" // endorsement signature does not verify
	FaultEndorserCertificate  FaultKind = "endorser-certificate"  // endorser cert is not valid in its MSP
	FaultEndorsementPolicy    FaultKind = "endorsement-policy"    // endorsements do not satisfy the policy Fabric applies
	FaultCertificateRevoked   FaultKind = "certificate-revoked"   // a signer's cert is revoked by a CRL of its MSP
	FaultProposalHash         FaultKind = "proposal-hash"         // the endorsed response is not for this transaction's proposal
)

// Fault is the first fault found. TxIndex is -1 when the fault is not about
// one transaction; Endorsement is -1 when it is not about one endorsement.
type Fault struct {
	Block       uint64    `json:"block"`
	TxIndex     int       `json:"tx_index"`
	TxID        string    `json:"tx_id,omitempty"`
	Endorsement int       `json:"endorsement"`
	Kind        FaultKind `json:"kind"`
	Detail      string    `json:"detail"`
}

func (f *Fault) Error() string {
	s := fmt.Sprintf("block %d", f.Block)
	if f.TxIndex >= 0 {
		s += fmt.Sprintf(" tx %d", f.TxIndex)
		if f.TxID != "" {
			s += fmt.Sprintf(" (%s)", f.TxID)
		}
	}
	if f.Endorsement >= 0 {
		s += fmt.Sprintf(" endorsement %d", f.Endorsement)
	}
	return s + ": " + string(f.Kind) + ": " + f.Detail
}

// Checkpoint records where a verified chain ends, so that a later run
// verifies only the blocks after it. ConfigBlock is the latest config block
// at or before Number (already verified), marshalled: it gives the MSPs in
// force for the blocks that follow.
//
// Policies is the state endorsement policy checks depend on (chaincode
// definitions, key-level policies) after Number. A checkpoint written before
// those checks existed has none: a Verifier resumed from it does not check
// endorsement policies (see ChecksEndorsementPolicies) until the chain is
// verified again from block 0.
type Checkpoint struct {
	Number      uint64       `json:"number"`
	HeaderHash  []byte       `json:"header_hash"`
	ConfigBlock []byte       `json:"config_block"`
	Policies    *PolicyState `json:"policies,omitempty"`
}

// Progress is reported every Options.ProgressEvery blocks.
type Progress struct {
	Block        uint64 // last block verified
	Blocks       uint64 // blocks verified in this run
	Transactions uint64 // valid transactions verified in this run
}

// Options tune a Verifier.
type Options struct {
	ProgressEvery uint64         // 0: never
	OnProgress    func(Progress) // called every ProgressEvery blocks
}

// Verifier checks blocks one after another. It is not safe for concurrent use.
type Verifier struct {
	opts        Options
	started     bool // a block (or a checkpoint) has been accepted
	next        uint64
	prevHash    []byte
	config      *ChannelConfig
	configBlock []byte
	state       *policyState // nil: endorsement policies are not checked
	blocks, txs uint64
}

// New returns a Verifier that expects block 0 first.
func New(opts Options) *Verifier { return &Verifier{opts: opts, state: newPolicyState()} }

// Resume returns a Verifier that expects block cp.Number+1, chained to
// cp.HeaderHash, under the configuration in cp.ConfigBlock.
func Resume(cp Checkpoint, opts Options) (*Verifier, error) {
	blk := &cb.Block{}
	if err := proto.Unmarshal(cp.ConfigBlock, blk); err != nil {
		return nil, fmt.Errorf("checkpoint config block: %w", err)
	}
	cfg, err := configFromBlock(blk)
	if err != nil {
		return nil, fmt.Errorf("checkpoint config block: %w", err)
	}
	if len(cp.HeaderHash) != sha256.Size {
		return nil, errors.New("checkpoint header hash is not 32 bytes")
	}
	v := &Verifier{opts: opts, started: true, next: cp.Number + 1, prevHash: bytes.Clone(cp.HeaderHash),
		config: cfg, configBlock: bytes.Clone(cp.ConfigBlock)}
	if cp.Policies != nil {
		v.state = importPolicyState(cp.Policies)
	}
	return v, nil
}

// ChecksEndorsementPolicies says whether the Verifier evaluates endorsement
// policies: always, unless it was resumed from a checkpoint that carries no
// policy state.
func (v *Verifier) ChecksEndorsementPolicies() bool { return v.state != nil }

// Checkpoint returns the state after the last verified block. It is only
// meaningful once at least one block has been verified (or after Resume).
func (v *Verifier) Checkpoint() Checkpoint {
	cp := Checkpoint{Number: v.next - 1, HeaderHash: bytes.Clone(v.prevHash), ConfigBlock: bytes.Clone(v.configBlock)}
	if v.state != nil {
		cp.Policies = v.state.export()
	}
	return cp
}

// Stats returns the blocks and valid transactions verified so far in this run.
func (v *Verifier) Stats() Progress {
	return Progress{Block: v.next - 1, Blocks: v.blocks, Transactions: v.txs}
}

// HeaderBytes is the ASN.1 DER of (number, previous_hash, data_hash), as
// Fabric's protoutil.BlockHeaderBytes.
func HeaderBytes(h *cb.BlockHeader) []byte {
	b, err := asn1.Marshal(struct {
		Number       *big.Int
		PreviousHash []byte
		DataHash     []byte
	}{new(big.Int).SetUint64(h.GetNumber()), h.GetPreviousHash(), h.GetDataHash()})
	if err != nil {
		panic(err) // cannot happen for these types
	}
	return b
}

// HeaderHash is SHA-256 of HeaderBytes, as protoutil.BlockHeaderHash.
func HeaderHash(h *cb.BlockHeader) []byte {
	s := sha256.Sum256(HeaderBytes(h))
	return s[:]
}

// DataHash is SHA-256 of the concatenated envelopes, as the pinned Fabric's
// protoutil.BlockDataHash.
func DataHash(d *cb.BlockData) []byte {
	h := sha256.New()
	for _, e := range d.GetData() {
		h.Write(e)
	}
	return h.Sum(nil)
}

var canon = proto.MarshalOptions{Deterministic: true}

// canonical unmarshals raw into m and checks that it re-marshals to raw.
func canonical(raw []byte, m proto.Message) (string, error) {
	if err := proto.Unmarshal(raw, m); err != nil {
		return "malformed", err
	}
	again, err := canon.Marshal(m)
	if err != nil {
		return "malformed", err
	}
	if !bytes.Equal(again, raw) {
		return "non-canonical", fmt.Errorf("%s: stored %d bytes re-marshal to %d different bytes",
			m.ProtoReflect().Descriptor().Name(), len(raw), len(again))
	}
	return "", nil
}

// VerifyBlock verifies the next block. On failure it returns a *Fault and the
// Verifier's state is unchanged.
func (v *Verifier) VerifyBlock(b *cb.Block) error {
	h := b.GetHeader()
	num := h.GetNumber()
	fault := func(kind FaultKind, tx int, txid string, format string, a ...any) error {
		return &Fault{Block: num, TxIndex: tx, TxID: txid, Endorsement: -1, Kind: kind, Detail: fmt.Sprintf(format, a...)}
	}
	if h == nil || b.GetData() == nil {
		return fault(FaultMalformed, -1, "", "block has no header or no data")
	}
	if num != v.next {
		return fault(FaultSequence, -1, "", "expected block %d, got %d", v.next, num)
	}
	if v.started {
		if !bytes.Equal(h.PreviousHash, v.prevHash) {
			return fault(FaultPreviousHash, -1, "", "previous_hash %x, header hash of block %d is %x", h.PreviousHash, num-1, v.prevHash)
		}
	}
	if dh := DataHash(b.Data); !bytes.Equal(h.DataHash, dh) {
		return fault(FaultDataHash, -1, "", "data_hash %x, data hashes to %x", h.DataHash, dh)
	}

	// Decode every envelope, checking canonical encoding.
	n := len(b.Data.Data)
	envs := make([]*cb.Envelope, n)
	pays := make([]*cb.Payload, n)
	chdrs := make([]*cb.ChannelHeader, n)
	for i, raw := range b.Data.Data {
		env, pay, chdr := &cb.Envelope{}, &cb.Payload{}, &cb.ChannelHeader{}
		if what, err := canonical(raw, env); err != nil {
			return fault(kindOf(what), i, "", "envelope: %v", err)
		}
		if what, err := canonical(env.Payload, pay); err != nil {
			return fault(kindOf(what), i, "", "payload: %v", err)
		}
		if err := proto.Unmarshal(pay.GetHeader().GetChannelHeader(), chdr); err != nil {
			return fault(FaultMalformed, i, "", "channel header: %v", err)
		}
		if cb.HeaderType(chdr.Type) == cb.HeaderType_ENDORSER_TRANSACTION {
			if what, err := canonical(pay.Data, &pb.Transaction{}); err != nil {
				return fault(kindOf(what), i, chdr.TxId, "transaction: %v", err)
			}
		}
		envs[i], pays[i], chdrs[i] = env, pay, chdr
	}

	// Block 0 is the trust anchor: unsigned, it defines the first config.
	cfg := v.config
	if !v.started {
		if num != 0 {
			return fault(FaultSequence, -1, "", "first block must be block 0")
		}
		c, err := configFromBlock(b)
		if err != nil {
			return fault(FaultConfig, 0, "", "%v", err)
		}
		v.commit(b, h, c, true, 0, nil)
		return nil
	}

	if f := cfg.verifyOrdererSignatures(b); f != nil {
		f.Block = num
		return f
	}

	var filter []byte
	if md := b.GetMetadata().GetMetadata(); len(md) > int(cb.BlockMetadataIndex_TRANSACTIONS_FILTER) {
		filter = md[cb.BlockMetadataIndex_TRANSACTIONS_FILTER]
	}
	if len(filter) != n {
		return fault(FaultMalformed, -1, "", "transactions filter has %d entries for %d transactions", len(filter), n)
	}

	pres := precheck(cfg, envs, pays, chdrs, filter)
	var newCfg *ChannelConfig
	var valid uint64
	var pending []update
	var changed map[keyID]int // key metadata written by earlier VALID txs of this block
	for i := range n {
		if pb.TxValidationCode(filter[i]) != pb.TxValidationCode_VALID {
			continue
		}
		valid++
		pay, chdr, p := pays[i], chdrs[i], &pres[i]
		if f := p.check(chdr); f != nil {
			f.Block, f.TxIndex, f.TxID = num, i, chdr.TxId
			return f
		}
		switch cb.HeaderType(chdr.Type) {
		case cb.HeaderType_ENDORSER_TRANSACTION:
			a := p.action
			if f := v.checkPolicies(cfg, a, p.ids, changed); f != nil {
				f.Block, f.TxIndex, f.TxID = num, i, chdr.TxId
				return f
			}
			if v.state != nil {
				pending = append(pending, a.updates()...)
				for _, k := range a.metadataKeys() {
					if changed == nil {
						changed = map[keyID]int{}
					}
					if _, ok := changed[k]; !ok {
						changed[k] = i
					}
				}
			}
		case cb.HeaderType_CONFIG:
			c, err := configFromPayload(pay)
			if err != nil {
				return fault(FaultConfig, i, chdr.TxId, "%v", err)
			}
			newCfg = c
		}
	}
	if newCfg != nil {
		v.commit(b, h, newCfg, true, valid, pending)
	} else {
		v.commit(b, h, cfg, false, valid, pending)
	}
	return nil
}

// certKind is the fault kind for an identity error: a revocation, or kind.
func certKind(err error, kind FaultKind) FaultKind {
	if errors.Is(err, ErrCertificateRevoked) {
		return FaultCertificateRevoked
	}
	return kind
}

// pre holds the signature work on one VALID transaction, done ahead of
// the in-order checks (in parallel on large blocks): the creator's identity
// and envelope signature and, for an endorser transaction, the parsed
// action and its endorsers (identities valid, signatures genuine). fault is
// the first problem with the endorsements (Block, TxIndex, TxID unset).
type pre struct {
	shdr         *cb.SignatureHeader
	shdrErr      error
	creatorErr   error
	creatorSigOK bool
	action       *endorsedAction
	ids          []*identity
	fault        *Fault
}

// check turns the precomputed results into the first fault, in the order
// Fabric's checks come: signature header, creator identity, creator
// signature, then for an endorser transaction the tx id and the
// endorsements.
func (p *pre) check(chdr *cb.ChannelHeader) *Fault {
	fault := func(kind FaultKind, format string, a ...any) *Fault {
		return &Fault{Endorsement: -1, Kind: kind, Detail: fmt.Sprintf(format, a...)}
	}
	if p.shdrErr != nil {
		return fault(FaultMalformed, "signature header: %v", p.shdrErr)
	}
	if p.creatorErr != nil {
		return fault(certKind(p.creatorErr, FaultCreatorCertificate), "creator: %v", p.creatorErr)
	}
	if !p.creatorSigOK {
		return fault(FaultCreatorSignature, "envelope signature does not verify with the creator's key")
	}
	if cb.HeaderType(chdr.Type) != cb.HeaderType_ENDORSER_TRANSACTION {
		return nil
	}
	// As Fabric's protoutil.CheckTxID: the id binds the nonce and the creator.
	sum := sha256.Sum256(append(append([]byte{}, p.shdr.Nonce...), p.shdr.Creator...))
	if want := hex.EncodeToString(sum[:]); chdr.TxId != want {
		return fault(FaultTxID, "tx id is not hex(SHA-256(nonce || creator)) %s", want)
	}
	return p.fault
}

// parallelMin is the number of VALID transactions from which a block's
// signatures are checked on all CPUs.
const parallelMin = 8

func precheck(cfg *ChannelConfig, envs []*cb.Envelope, pays []*cb.Payload, chdrs []*cb.ChannelHeader, filter []byte) []pre {
	pres := make([]pre, len(envs))
	var todo []int
	for i := range envs {
		if pb.TxValidationCode(filter[i]) == pb.TxValidationCode_VALID {
			todo = append(todo, i)
		}
	}
	one := func(i int) { pres[i] = precheckTx(cfg, envs[i], pays[i], chdrs[i]) }
	workers := runtime.GOMAXPROCS(0)
	if workers < 2 || len(todo) < parallelMin {
		for _, i := range todo {
			one(i)
		}
		return pres
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1)) - 1
				if k >= len(todo) {
					return
				}
				one(todo[k])
			}
		}()
	}
	wg.Wait()
	return pres
}

func precheckTx(cfg *ChannelConfig, env *cb.Envelope, pay *cb.Payload, chdr *cb.ChannelHeader) (p pre) {
	p.shdr = &cb.SignatureHeader{}
	if p.shdrErr = proto.Unmarshal(pay.GetHeader().GetSignatureHeader(), p.shdr); p.shdrErr != nil {
		return p
	}
	creator, err := cfg.identityKey(p.shdr.Creator, nil)
	if err != nil {
		p.creatorErr = err
		return p
	}
	if p.creatorSigOK = verifySig(creator.pub, env.Signature, env.Payload); !p.creatorSigOK {
		return p
	}
	if cb.HeaderType(chdr.Type) == cb.HeaderType_ENDORSER_TRANSACTION {
		p.action, p.ids, p.fault = checkEndorsements(cfg, pay, chdr)
	}
	return p
}

// checkEndorsements parses an endorser transaction and verifies its
// endorsements: each endorser valid in its MSP, each signature genuine.
func checkEndorsements(cfg *ChannelConfig, pay *cb.Payload, chdr *cb.ChannelHeader) (*endorsedAction, []*identity, *Fault) {
	a, err := parseTxData(pay.Data)
	if err != nil {
		return nil, nil, &Fault{Endorsement: -1, Kind: FaultMalformed, Detail: err.Error()}
	}
	// As Fabric's validateEndorserTransaction: the action's signature header
	// names a nonce and a creator, and the endorsed proposal response is for
	// this transaction's proposal: its proposal hash is SHA-256(channel
	// header || action signature header || chaincode proposal payload).
	ashdr := &cb.SignatureHeader{}
	if err := proto.Unmarshal(a.actHdr, ashdr); err != nil {
		return nil, nil, &Fault{Endorsement: -1, Kind: FaultMalformed, Detail: fmt.Sprintf("action signature header: %v", err)}
	}
	if len(ashdr.Nonce) == 0 || len(ashdr.Creator) == 0 {
		return nil, nil, &Fault{Endorsement: -1, Kind: FaultMalformed, Detail: "action signature header has no nonce or no creator"}
	}
	if a.ccpp == nil {
		return nil, nil, &Fault{Endorsement: -1, Kind: FaultMalformed, Detail: "action has no chaincode proposal payload"}
	}
	ph := sha256.New()
	ph.Write(pay.GetHeader().GetChannelHeader())
	ph.Write(a.actHdr)
	ph.Write(a.ccpp)
	if sum := ph.Sum(nil); !bytes.Equal(sum, a.proposalHash) {
		return nil, nil, &Fault{Endorsement: -1, Kind: FaultProposalHash,
			Detail: fmt.Sprintf("the endorsements are for proposal %x, this transaction's proposal hashes to %x", a.proposalHash, sum)}
	}
	ext := &pb.ChaincodeHeaderExtension{}
	if err := proto.Unmarshal(chdr.Extension, ext); err != nil {
		return nil, nil, &Fault{Endorsement: -1, Kind: FaultMalformed, Detail: fmt.Sprintf("chaincode header extension: %v", err)}
	}
	// As the v20 dispatcher: the header and the action name the same
	// chaincode, with a version, and so does the chaincode event if any.
	if name := ext.GetChaincodeId().GetName(); name != a.ccID {
		return nil, nil, &Fault{Endorsement: -1, Kind: FaultMalformed,
			Detail: fmt.Sprintf("header names chaincode %q, the endorsed action %q", name, a.ccID)}
	}
	if a.ccVersion == "" {
		return nil, nil, &Fault{Endorsement: -1, Kind: FaultMalformed, Detail: "the endorsed action names no chaincode version"}
	}
	if a.eventCC != nil && *a.eventCC != a.ccID {
		return nil, nil, &Fault{Endorsement: -1, Kind: FaultMalformed,
			Detail: fmt.Sprintf("the chaincode event names chaincode %q, the action %q", *a.eventCC, a.ccID)}
	}
	ids, ei, err := cfg.signers(a.prp, a.ends)
	if err != nil {
		kind := certKind(err, FaultEndorserCertificate)
		if errors.Is(err, errBadEndorsementSig) {
			kind = FaultEndorsementSignature
		}
		return nil, nil, &Fault{Endorsement: ei, Kind: kind, Detail: err.Error()}
	}
	return a, ids, nil
}

// checkPolicies checks, when the policy state is known, that the
// endorsers satisfy every endorsement policy Fabric's validator applies to
// the transaction's writes.
func (v *Verifier) checkPolicies(cfg *ChannelConfig, a *endorsedAction, ids []*identity, changed map[keyID]int) *Fault {
	if v.state == nil {
		return nil
	}
	pc := &policyCheck{cfg: cfg, state: v.state, ids: ids, changed: changed, results: map[string]bool{}}
	return pc.check(a)
}

func kindOf(what string) FaultKind {
	if what == "non-canonical" {
		return FaultNonCanonical
	}
	return FaultMalformed
}

func (v *Verifier) commit(b *cb.Block, h *cb.BlockHeader, cfg *ChannelConfig, isConfig bool, txs uint64, us []update) {
	if v.state != nil {
		v.state.apply(us)
	}
	if isConfig {
		raw, err := canon.Marshal(b)
		if err == nil {
			v.configBlock = raw
		}
	}
	v.config = cfg
	v.started = true
	v.prevHash = HeaderHash(h)
	v.next = h.Number + 1
	v.blocks++
	v.txs += txs
	if v.opts.ProgressEvery > 0 && v.opts.OnProgress != nil && v.blocks%v.opts.ProgressEvery == 0 {
		v.opts.OnProgress(v.Stats())
	}
}

// VerifyBlocks verifies blocks in order and stops at the first fault.
func (v *Verifier) VerifyBlocks(blocks []*cb.Block) error {
	for _, b := range blocks {
		if err := v.VerifyBlock(b); err != nil {
			return err
		}
	}
	return nil
}

// verifyOrdererSignatures mirrors protoutil.BlockSignatureVerifier (non-BFT):
// the signers whose signature over value || signature header || header
// bytes verifies must satisfy the channel's /Channel/Orderer/BlockValidation
// policy (for Raft, ANY orderer org's Writers). A configuration without that
// policy falls back to: at least one valid signature by an orderer org member.
func (cfg *ChannelConfig) verifyOrdererSignatures(b *cb.Block) *Fault {
	f := &Fault{TxIndex: -1, Endorsement: -1, Kind: FaultOrdererSignature}
	mds := b.GetMetadata().GetMetadata()
	if len(mds) <= int(cb.BlockMetadataIndex_SIGNATURES) {
		f.Detail = "no signatures in block metadata"
		return f
	}
	md := &cb.Metadata{}
	if err := proto.Unmarshal(mds[cb.BlockMetadataIndex_SIGNATURES], md); err != nil {
		f.Detail = fmt.Sprintf("signatures metadata: %v", err)
		return f
	}
	if len(md.Signatures) == 0 {
		f.Detail = "block carries no orderer signature"
		return f
	}
	policy := cfg.lookup(blockValidationRef)
	var allowed map[string]bool
	if policy == nil {
		allowed = cfg.ordererMSPs
	}
	hdr := HeaderBytes(b.Header)
	var reasons []string
	var signers []*identity
	seen := map[string]bool{}
	revoked := false
	for i, s := range md.Signatures {
		shdr := &cb.SignatureHeader{}
		if err := proto.Unmarshal(s.SignatureHeader, shdr); err != nil {
			reasons = append(reasons, fmt.Sprintf("signature %d: header: %v", i, err))
			continue
		}
		id, err := cfg.identityKey(shdr.Creator, allowed)
		if err != nil {
			revoked = revoked || errors.Is(err, ErrCertificateRevoked)
			reasons = append(reasons, fmt.Sprintf("signature %d: %v", i, err))
			continue
		}
		msg := make([]byte, 0, len(md.Value)+len(s.SignatureHeader)+len(hdr))
		msg = append(append(append(msg, md.Value...), s.SignatureHeader...), hdr...)
		if !verifySig(id.pub, s.Signature, msg) {
			reasons = append(reasons, fmt.Sprintf("signature %d: does not verify", i))
			continue
		}
		if policy == nil {
			return nil
		}
		if !seen[id.key] {
			seen[id.key] = true
			signers = append(signers, id)
		}
	}
	if policy != nil {
		if cfg.evalRef(blockValidationRef, signers, 0) {
			return nil
		}
		reasons = append(reasons, fmt.Sprintf("signers %s do not satisfy %s (%s)", describeSigners(signers),
			blockValidationRef, cfg.describeRef(blockValidationRef, 0)))
	}
	if revoked {
		f.Kind = FaultCertificateRevoked
	}
	f.Detail = fmt.Sprintf("no valid orderer signature: %v", reasons)
	return f
}

const blockValidationRef = "/Channel/Orderer/BlockValidation"

func verifySig(pub *ecdsa.PublicKey, sig, msg []byte) bool {
	d := sha256.Sum256(msg)
	return ecdsa.VerifyASN1(pub, d[:], sig)
}

func parsePEMCert(b []byte) (*x509.Certificate, error) {
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, errors.New("no PEM block")
	}
	return x509.ParseCertificate(blk.Bytes)
}
