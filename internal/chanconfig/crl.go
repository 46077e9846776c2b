// Package chanconfig changes the channel configuration: it puts an org's
// certificate revocation list (CRL, signed by the org's CA) into the org's MSP
// in the channel configuration, so that every peer and orderer refuses what
// the revoked certificates sign.
//
// CRLUpdate computes the config update (pure, tested on a real config block);
// CRLUpdater reads the config in force from a peer, signs the update with the
// org's admin identity (the org's MSP value is modified under the org's Admins
// policy, OR('<MSP>.admin')), broadcasts it to an orderer and waits until
// every peer has the new config block.
package chanconfig

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"

	"github.com/hyperledger/fabric-config/configtx"
	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	mb "github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"google.golang.org/protobuf/proto"
)

// ErrUnchanged is returned by CRLUpdate when the configuration already holds
// the CRL, or a newer CRL of the same CA that revokes everything it revokes.
var ErrUnchanged = errors.New("the channel configuration already has this CRL (or a newer one of the same CA)")

// ConfigFromBlock returns the channel configuration a config block carries.
func ConfigFromBlock(b *cb.Block) (*cb.Config, error) {
	if len(b.GetData().GetData()) != 1 {
		return nil, fmt.Errorf("block %d is not a config block (%d transactions)", b.GetHeader().GetNumber(), len(b.GetData().GetData()))
	}
	env := &cb.Envelope{}
	if err := proto.Unmarshal(b.Data.Data[0], env); err != nil {
		return nil, fmt.Errorf("block %d: envelope: %w", b.GetHeader().GetNumber(), err)
	}
	pl := &cb.Payload{}
	if err := proto.Unmarshal(env.Payload, pl); err != nil {
		return nil, fmt.Errorf("block %d: payload: %w", b.GetHeader().GetNumber(), err)
	}
	ch := &cb.ChannelHeader{}
	if err := proto.Unmarshal(pl.GetHeader().GetChannelHeader(), ch); err != nil {
		return nil, fmt.Errorf("block %d: channel header: %w", b.GetHeader().GetNumber(), err)
	}
	if ch.Type != int32(cb.HeaderType_CONFIG) {
		return nil, fmt.Errorf("block %d is not a config block (header type %d)", b.GetHeader().GetNumber(), ch.Type)
	}
	ce := &cb.ConfigEnvelope{}
	if err := proto.Unmarshal(pl.Data, ce); err != nil {
		return nil, fmt.Errorf("block %d: config envelope: %w", b.GetHeader().GetNumber(), err)
	}
	if ce.GetConfig().GetChannelGroup() == nil {
		return nil, fmt.Errorf("block %d: empty config", b.GetHeader().GetNumber())
	}
	return ce.Config, nil
}

// ParseCRL decodes one PEM "X509 CRL" block.
func ParseCRL(crlPEM []byte) (*x509.RevocationList, error) {
	blk, rest := pem.Decode(crlPEM)
	if blk == nil || blk.Type != "X509 CRL" {
		return nil, errors.New("not a PEM X509 CRL")
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, errors.New("more than one PEM block: give one CRL")
	}
	crl, err := x509.ParseRevocationList(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse CRL: %w", err)
	}
	return crl, nil
}

// orgMSP finds the application org whose MSP ID is mspID in an (updated)
// config and returns its MSP value and the decoded MSP.
func orgMSP(config *cb.Config, mspID string) (*cb.ConfigValue, *mb.MSPConfig, *mb.FabricMSPConfig, error) {
	app := config.GetChannelGroup().GetGroups()[configtx.ApplicationGroupKey]
	if app == nil {
		return nil, nil, nil, errors.New("the config has no Application group")
	}
	for _, g := range app.Groups {
		v := g.GetValues()[configtx.MSPKey]
		if v == nil {
			continue
		}
		mc := &mb.MSPConfig{}
		if err := proto.Unmarshal(v.Value, mc); err != nil {
			return nil, nil, nil, fmt.Errorf("MSP value: %w", err)
		}
		if mc.Type != 0 { // FABRIC
			continue
		}
		fc := &mb.FabricMSPConfig{}
		if err := proto.Unmarshal(mc.Config, fc); err != nil {
			return nil, nil, nil, fmt.Errorf("MSP config: %w", err)
		}
		if fc.Name == mspID {
			return v, mc, fc, nil
		}
	}
	return nil, nil, nil, fmt.Errorf("no application org with MSP ID %s in the channel configuration", mspID)
}

// RevocationList returns the CRLs (PEM) of mspID's MSP in config.
func RevocationList(config *cb.Config, mspID string) ([][]byte, error) {
	_, _, fc, err := orgMSP(config, mspID)
	if err != nil {
		return nil, err
	}
	return fc.RevocationList, nil
}

// HasCRL reports whether mspID's MSP in config holds exactly this CRL.
func HasCRL(config *cb.Config, mspID string, crlPEM []byte) (bool, error) {
	crl, err := ParseCRL(crlPEM)
	if err != nil {
		return false, err
	}
	list, err := RevocationList(config, mspID)
	if err != nil {
		return false, err
	}
	for _, p := range list {
		if old, err := ParseCRL(p); err == nil && bytes.Equal(old.Raw, crl.Raw) {
			return true, nil
		}
	}
	return false, nil
}

// CRLUpdate computes the marshaled ConfigUpdate (channel channelID) that puts
// crlPEM into the revocation list of mspID's MSP and changes nothing else.
// The CRL must be signed by one of that MSP's root or intermediate CAs. A CRL
// of the same CA already in the list is replaced when the new one is at least
// as recent and revokes everything it revokes; ErrUnchanged when the list
// already holds this CRL or a CRL of the same CA that is at least as recent and
// revokes everything this one does. Two CRLs of one CA where each revokes a
// certificate the other does not are refused: publishing the later one would
// reinstate a certificate (generate a fresh CRL at the CA instead).
func CRLUpdate(config *cb.Config, channelID, mspID string, crlPEM []byte) ([]byte, error) {
	tx := configtx.New(config)
	if err := withCRL(tx.UpdatedConfig(), mspID, crlPEM); err != nil {
		return nil, err
	}
	return tx.ComputeMarshaledUpdate(channelID)
}

// withCRL changes config in place: crlPEM into mspID's revocation list (see CRLUpdate).
func withCRL(config *cb.Config, mspID string, crlPEM []byte) error {
	crl, err := ParseCRL(crlPEM)
	if err != nil {
		return err
	}
	value, mc, fc, err := orgMSP(config, mspID)
	if err != nil {
		return err
	}
	issuer, err := crlIssuer(crl, fc)
	if err != nil {
		return fmt.Errorf("%s: %w", mspID, err)
	}
	newSerials := serials(crl)
	var kept [][]byte
	for i, p := range fc.RevocationList {
		old, err := ParseCRL(p)
		if err != nil {
			return fmt.Errorf("%s: revocation list entry %d: %w", mspID, i, err)
		}
		if bytes.Equal(old.Raw, crl.Raw) {
			return ErrUnchanged
		}
		if old.CheckSignatureFrom(issuer) != nil {
			kept = append(kept, p) // another CA's CRL
			continue
		}
		oldSerials := serials(old)
		switch {
		case subset(oldSerials, newSerials) && !crl.ThisUpdate.Before(old.ThisUpdate):
			// superseded by the new CRL: dropped
		case subset(newSerials, oldSerials) && !old.ThisUpdate.Before(crl.ThisUpdate):
			return ErrUnchanged
		default:
			return fmt.Errorf("%s: the CRL of %s issued %s in force revokes %s, which the new CRL (issued %s) does not (or the new one is older): publishing it would reinstate a certificate; generate a current CRL at the CA",
				mspID, issuer.Subject, old.ThisUpdate.UTC().Format("2006-01-02T15:04:05Z"),
				missing(oldSerials, newSerials), crl.ThisUpdate.UTC().Format("2006-01-02T15:04:05Z"))
		}
	}
	fc.RevocationList = append(kept, pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: crl.Raw}))
	det := proto.MarshalOptions{Deterministic: true}
	if mc.Config, err = det.Marshal(fc); err != nil {
		return err
	}
	value.Value, err = det.Marshal(mc)
	return err
}

// crlIssuer returns the MSP root or intermediate CA certificate that signed crl.
func crlIssuer(crl *x509.RevocationList, fc *mb.FabricMSPConfig) (*x509.Certificate, error) {
	for _, p := range append(append([][]byte{}, fc.RootCerts...), fc.IntermediateCerts...) {
		rest := p
		for {
			var blk *pem.Block
			blk, rest = pem.Decode(rest)
			if blk == nil {
				break
			}
			c, err := x509.ParseCertificate(blk.Bytes)
			if err != nil {
				continue
			}
			if crl.CheckSignatureFrom(c) == nil {
				return c, nil
			}
		}
	}
	return nil, fmt.Errorf("the CRL (issuer %s) is not signed by any CA of the MSP", crl.Issuer)
}

func serials(crl *x509.RevocationList) map[string]bool {
	out := map[string]bool{}
	for _, e := range crl.RevokedCertificateEntries {
		out[e.SerialNumber.Text(16)] = true
	}
	return out
}

func subset(a, b map[string]bool) bool {
	for s := range a {
		if !b[s] {
			return false
		}
	}
	return true
}

// missing names a serial in a that b lacks (hex), for the error.
func missing(a, b map[string]bool) string {
	for s := range a {
		if !b[s] {
			n, _ := new(big.Int).SetString(s, 16)
			return "serial " + n.Text(16)
		}
	}
	return "the same certificates"
}
