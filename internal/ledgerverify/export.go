package ledgerverify

import (
	"crypto/ecdsa"

	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
)

// MSPs is the membership of one channel configuration: each MSP's root and
// intermediate CAs and which MSPs are orderer orgs. It lets other packages
// (internal/proofbundle) check identities the way VerifyBlock does.
type MSPs struct{ c *ChannelConfig }

// MSPsFromConfigBlock reads the MSPs of a config block (one CONFIG envelope).
func MSPsFromConfigBlock(b *cb.Block) (*MSPs, error) {
	c, err := configFromBlock(b)
	if err != nil {
		return nil, err
	}
	return &MSPs{c: c}, nil
}

// Key parses a serialized identity, checks it as Fabric's MSP does (chain to
// a CA of its MSP in this configuration, CRLs, NodeOUs) (an orderer org's MSP when
// ordererOnly) and returns its public key.
func (m *MSPs) Key(serialized []byte, ordererOnly bool) (*ecdsa.PublicKey, error) {
	var allowed map[string]bool
	if ordererOnly {
		allowed = m.c.ordererMSPs
	}
	id, err := m.c.identityKey(serialized, allowed)
	if err != nil {
		return nil, err
	}
	return id.pub, nil
}

// Config is the full channel configuration behind these MSPs (policies,
// NodeOUs, CRLs), for CheckTransaction and CheckEndorsementPolicy.
func (m *MSPs) Config() *ChannelConfig { return m.c }

// VerifyECDSA checks an ASN.1 ECDSA signature over SHA-256(msg), as Fabric's
// default BCCSP does for block, creator and endorsement signatures.
func VerifyECDSA(pub *ecdsa.PublicKey, sig, msg []byte) bool { return verifySig(pub, sig, msg) }

// CheckBlockSignatures checks a block's orderer signatures under this
// configuration (the one in force at the block) as a Verifier does: the
// signers whose signature verifies must satisfy /Channel/Orderer/BlockValidation
// (without that policy: one valid signature by an orderer org member). The
// Fault's TxIndex is -1 and its Block unset.
func (c *ChannelConfig) CheckBlockSignatures(b *cb.Block) *Fault { return c.verifyOrdererSignatures(b) }
