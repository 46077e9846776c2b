package ledgerverify

import (
	"crypto/ecdsa"

	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
)

// MSPs is the membership of one channel configuration: each MSP's root and
// intermediate CAs and which MSPs are orderer orgs. It lets other packages
// (internal/proofbundle) check identities the way VerifyBlock does.
type MSPs struct{ c *channelConfig }

// MSPsFromConfigBlock reads the MSPs of a config block (one CONFIG envelope).
func MSPsFromConfigBlock(b *cb.Block) (*MSPs, error) {
	c, err := configFromBlock(b)
	if err != nil {
		return nil, err
	}
	return &MSPs{c: c}, nil
}

// Key parses a serialized identity, checks that its certificate chains to a
// root CA of its MSP in this configuration (an orderer org's MSP when
// ordererOnly) and returns its public key.
func (m *MSPs) Key(serialized []byte, ordererOnly bool) (*ecdsa.PublicKey, error) {
	var allowed map[string]bool
	if ordererOnly {
		allowed = m.c.ordererMSPs
	}
	return m.c.identityKey(serialized, allowed)
}

// VerifyECDSA checks an ASN.1 ECDSA signature over SHA-256(msg), as Fabric's
// default BCCSP does for block, creator and endorsement signatures.
func VerifyECDSA(pub *ecdsa.PublicKey, sig, msg []byte) bool { return verifySig(pub, sig, msg) }
