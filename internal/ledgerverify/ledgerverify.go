// Package ledgerverify verifies a sequence of Hyperledger Fabric blocks
// offline, from the genesis block (or a checkpoint) onwards: the header hash
// chain, each block's data hash, the canonical encoding of every envelope,
// the orderer signatures on each block, and the creator and endorsement
// signatures of every transaction the peer marked VALID, with every signer's
// certificate chained to a root CA of its MSP in the channel configuration in
// force at that block.
//
// The hashes mirror the pinned Fabric's protoutil.BlockHeaderBytes,
// BlockHeaderHash and BlockDataHash; the orderer signature check mirrors
// protoutil.BlockSignatureVerifier (non-BFT form) under the Raft block
// validation policy (at least one valid signature by an orderer org member).
//
// Block 0 is the trust anchor: it carries no orderer signature, so its header
// hash (Checkpoint.HeaderHash after it) should be compared out of band with
// the one the auditor holds.
//
// Not checked here: whether the endorsements satisfy the chaincode's
// endorsement policy (only that each one is genuine), NodeOU roles (peer vs
// client), certificate revocation lists, the config update's modification
// policies (only its creator's signature), and the read/write-set validation.
// The TRANSACTIONS_FILTER is written by the peer, not signed by the orderer:
// transactions it marks invalid are not judged, and a peer could mark a valid
// transaction invalid without any check here failing.
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
	"time"

	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	mspb "github.com/hyperledger/fabric-protos-go-apiv2/msp"
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
	FaultEndorserCertificate  FaultKind = "endorser-certificate"  // endorser cert does not chain to its MSP
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
type Checkpoint struct {
	Number      uint64 `json:"number"`
	HeaderHash  []byte `json:"header_hash"`
	ConfigBlock []byte `json:"config_block"`
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
	config      *channelConfig
	configBlock []byte
	blocks, txs uint64
}

// New returns a Verifier that expects block 0 first.
func New(opts Options) *Verifier { return &Verifier{opts: opts} }

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
	return &Verifier{opts: opts, started: true, next: cp.Number + 1, prevHash: bytes.Clone(cp.HeaderHash),
		config: cfg, configBlock: bytes.Clone(cp.ConfigBlock)}, nil
}

// Checkpoint returns the state after the last verified block. It is only
// meaningful once at least one block has been verified (or after Resume).
func (v *Verifier) Checkpoint() Checkpoint {
	return Checkpoint{Number: v.next - 1, HeaderHash: bytes.Clone(v.prevHash), ConfigBlock: bytes.Clone(v.configBlock)}
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
		v.commit(b, h, c, true, 0)
		return nil
	}

	if f := v.verifyOrdererSignatures(b, cfg); f != nil {
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

	var newCfg *channelConfig
	var valid uint64
	for i := range n {
		if pb.TxValidationCode(filter[i]) != pb.TxValidationCode_VALID {
			continue
		}
		valid++
		env, pay, chdr := envs[i], pays[i], chdrs[i]
		shdr := &cb.SignatureHeader{}
		if err := proto.Unmarshal(pay.GetHeader().GetSignatureHeader(), shdr); err != nil {
			return fault(FaultMalformed, i, chdr.TxId, "signature header: %v", err)
		}
		pub, err := cfg.identityKey(shdr.Creator, nil)
		if err != nil {
			return fault(FaultCreatorCertificate, i, chdr.TxId, "%v", err)
		}
		if !verifySig(pub, env.Signature, env.Payload) {
			return fault(FaultCreatorSignature, i, chdr.TxId, "envelope signature does not verify with the creator's key")
		}
		switch cb.HeaderType(chdr.Type) {
		case cb.HeaderType_ENDORSER_TRANSACTION:
			// As Fabric's protoutil.CheckTxID: the id binds the nonce and the creator.
			sum := sha256.Sum256(append(append([]byte{}, shdr.Nonce...), shdr.Creator...))
			if want := hex.EncodeToString(sum[:]); chdr.TxId != want {
				return fault(FaultTxID, i, chdr.TxId, "tx id is not hex(SHA-256(nonce || creator)) %s", want)
			}
			if f := cfg.verifyEndorsements(pay.Data); f != nil {
				f.Block, f.TxIndex, f.TxID = num, i, chdr.TxId
				return f
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
		v.commit(b, h, newCfg, true, valid)
	} else {
		v.commit(b, h, cfg, false, valid)
	}
	return nil
}

func kindOf(what string) FaultKind {
	if what == "non-canonical" {
		return FaultNonCanonical
	}
	return FaultMalformed
}

func (v *Verifier) commit(b *cb.Block, h *cb.BlockHeader, cfg *channelConfig, isConfig bool, txs uint64) {
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

// verifyOrdererSignatures mirrors protoutil.BlockSignatureVerifier (non-BFT)
// with the Raft BlockValidation policy: at least one signature by a member of
// an orderer org verifies over value || signature header || header bytes.
func (v *Verifier) verifyOrdererSignatures(b *cb.Block, cfg *channelConfig) *Fault {
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
	hdr := HeaderBytes(b.Header)
	var reasons []string
	for i, s := range md.Signatures {
		shdr := &cb.SignatureHeader{}
		if err := proto.Unmarshal(s.SignatureHeader, shdr); err != nil {
			reasons = append(reasons, fmt.Sprintf("signature %d: header: %v", i, err))
			continue
		}
		pub, err := cfg.identityKey(shdr.Creator, cfg.ordererMSPs)
		if err != nil {
			reasons = append(reasons, fmt.Sprintf("signature %d: %v", i, err))
			continue
		}
		msg := make([]byte, 0, len(md.Value)+len(s.SignatureHeader)+len(hdr))
		msg = append(append(append(msg, md.Value...), s.SignatureHeader...), hdr...)
		if verifySig(pub, s.Signature, msg) {
			return nil
		}
		reasons = append(reasons, fmt.Sprintf("signature %d: does not verify", i))
	}
	if len(md.Signatures) == 0 {
		f.Detail = "block carries no orderer signature"
	} else {
		f.Detail = fmt.Sprintf("no valid orderer signature: %v", reasons)
	}
	return f
}

func (c *channelConfig) verifyEndorsements(txBytes []byte) *Fault {
	tx := &pb.Transaction{}
	if err := proto.Unmarshal(txBytes, tx); err != nil {
		return &Fault{Endorsement: -1, Kind: FaultMalformed, Detail: fmt.Sprintf("transaction: %v", err)}
	}
	if len(tx.Actions) == 0 {
		return &Fault{Endorsement: -1, Kind: FaultMalformed, Detail: "transaction has no actions"}
	}
	for ai, act := range tx.Actions {
		ccap := &pb.ChaincodeActionPayload{}
		if err := proto.Unmarshal(act.Payload, ccap); err != nil {
			return &Fault{Endorsement: -1, Kind: FaultMalformed, Detail: fmt.Sprintf("action %d payload: %v", ai, err)}
		}
		ea := ccap.GetAction()
		if ea == nil || len(ea.Endorsements) == 0 {
			return &Fault{Endorsement: -1, Kind: FaultMalformed, Detail: fmt.Sprintf("action %d has no endorsements", ai)}
		}
		for ei, e := range ea.Endorsements {
			pub, err := c.identityKey(e.Endorser, nil)
			if err != nil {
				return &Fault{Endorsement: ei, Kind: FaultEndorserCertificate, Detail: err.Error()}
			}
			msg := make([]byte, 0, len(ea.ProposalResponsePayload)+len(e.Endorser))
			msg = append(append(msg, ea.ProposalResponsePayload...), e.Endorser...)
			if !verifySig(pub, e.Signature, msg) {
				return &Fault{Endorsement: ei, Kind: FaultEndorsementSignature, Detail: "endorsement signature does not verify with the endorser's key"}
			}
		}
	}
	return nil
}

func verifySig(pub *ecdsa.PublicKey, sig, msg []byte) bool {
	d := sha256.Sum256(msg)
	return ecdsa.VerifyASN1(pub, d[:], sig)
}

// ---- channel configuration ----

type mspInfo struct {
	roots, inters *x509.CertPool
}

type channelConfig struct {
	msps        map[string]*mspInfo
	ordererMSPs map[string]bool
	keys        map[string]*ecdsa.PublicKey // serialized identity -> verified key
}

func configFromBlock(b *cb.Block) (*channelConfig, error) {
	if len(b.GetData().GetData()) != 1 {
		return nil, fmt.Errorf("config block has %d envelopes, want 1", len(b.GetData().GetData()))
	}
	env := &cb.Envelope{}
	if err := proto.Unmarshal(b.Data.Data[0], env); err != nil {
		return nil, fmt.Errorf("envelope: %w", err)
	}
	pay := &cb.Payload{}
	if err := proto.Unmarshal(env.Payload, pay); err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	return configFromPayload(pay)
}

func configFromPayload(pay *cb.Payload) (*channelConfig, error) {
	chdr := &cb.ChannelHeader{}
	if err := proto.Unmarshal(pay.GetHeader().GetChannelHeader(), chdr); err != nil {
		return nil, fmt.Errorf("channel header: %w", err)
	}
	if cb.HeaderType(chdr.Type) != cb.HeaderType_CONFIG {
		return nil, fmt.Errorf("header type %v, want CONFIG", cb.HeaderType(chdr.Type))
	}
	ce := &cb.ConfigEnvelope{}
	if err := proto.Unmarshal(pay.Data, ce); err != nil {
		return nil, fmt.Errorf("config envelope: %w", err)
	}
	root := ce.GetConfig().GetChannelGroup()
	if root == nil {
		return nil, errors.New("config has no channel group")
	}
	cfg := &channelConfig{msps: map[string]*mspInfo{}, ordererMSPs: map[string]bool{}, keys: map[string]*ecdsa.PublicKey{}}
	for _, section := range []string{"Orderer", "Application"} {
		g := root.Groups[section]
		if g == nil {
			continue
		}
		for orgName, org := range g.Groups {
			val := org.Values["MSP"]
			if val == nil {
				return nil, fmt.Errorf("%s org %s has no MSP value", section, orgName)
			}
			mc := &mspb.MSPConfig{}
			if err := proto.Unmarshal(val.Value, mc); err != nil {
				return nil, fmt.Errorf("%s org %s MSP: %w", section, orgName, err)
			}
			fc := &mspb.FabricMSPConfig{}
			if err := proto.Unmarshal(mc.Config, fc); err != nil {
				return nil, fmt.Errorf("%s org %s MSP config: %w", section, orgName, err)
			}
			info := cfg.msps[fc.Name]
			if info == nil {
				info = &mspInfo{roots: x509.NewCertPool(), inters: x509.NewCertPool()}
				cfg.msps[fc.Name] = info
			}
			for _, pemBytes := range fc.RootCerts {
				c, err := parsePEMCert(pemBytes)
				if err != nil {
					return nil, fmt.Errorf("MSP %s root cert: %w", fc.Name, err)
				}
				info.roots.AddCert(c)
			}
			for _, pemBytes := range fc.IntermediateCerts {
				c, err := parsePEMCert(pemBytes)
				if err != nil {
					return nil, fmt.Errorf("MSP %s intermediate cert: %w", fc.Name, err)
				}
				info.inters.AddCert(c)
			}
			if section == "Orderer" {
				cfg.ordererMSPs[fc.Name] = true
			}
		}
	}
	if len(cfg.ordererMSPs) == 0 {
		return nil, errors.New("config has no orderer org")
	}
	return cfg, nil
}

func parsePEMCert(b []byte) (*x509.Certificate, error) {
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, errors.New("no PEM block")
	}
	return x509.ParseCertificate(blk.Bytes)
}

// identityKey parses a serialized identity, checks that its certificate
// chains to a root of its MSP (restricted to allowed MSPs when non-nil) and
// returns its ECDSA public key. As Fabric's MSP does, the chain is checked at
// the certificate's own NotBefore (+1 s), so an expired certificate on an old
// block still verifies.
func (c *channelConfig) identityKey(serialized []byte, allowed map[string]bool) (*ecdsa.PublicKey, error) {
	if k, ok := c.keys[string(serialized)]; ok {
		return c.checkAllowed(serialized, allowed, k)
	}
	sid := &mspb.SerializedIdentity{}
	if err := proto.Unmarshal(serialized, sid); err != nil {
		return nil, fmt.Errorf("serialized identity: %w", err)
	}
	info := c.msps[sid.Mspid]
	if info == nil {
		return nil, fmt.Errorf("MSP %q is not in the channel configuration", sid.Mspid)
	}
	cert, err := parsePEMCert(sid.IdBytes)
	if err != nil {
		return nil, fmt.Errorf("MSP %s identity certificate: %w", sid.Mspid, err)
	}
	if _, err := cert.Verify(x509.VerifyOptions{
		Roots: info.roots, Intermediates: info.inters,
		CurrentTime: cert.NotBefore.Add(time.Second),
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}); err != nil {
		return nil, fmt.Errorf("certificate %q does not chain to a root CA of MSP %s: %v", cert.Subject.CommonName, sid.Mspid, err)
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("certificate %q: not an ECDSA key", cert.Subject.CommonName)
	}
	c.keys[string(serialized)] = pub
	return c.checkAllowed(serialized, allowed, pub)
}

func (c *channelConfig) checkAllowed(serialized []byte, allowed map[string]bool, k *ecdsa.PublicKey) (*ecdsa.PublicKey, error) {
	if allowed == nil {
		return k, nil
	}
	sid := &mspb.SerializedIdentity{}
	_ = proto.Unmarshal(serialized, sid)
	if !allowed[sid.Mspid] {
		return nil, fmt.Errorf("MSP %s is not an orderer org", sid.Mspid)
	}
	return k, nil
}
