package clientsign

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"
)

// Call is what a proposal asks of the chaincode, as read from the bytes the client signs.
type Call struct {
	TxID      string
	Channel   string
	Chaincode string
	MSPID     string   // the creator's MSP
	Subject   string   // the creator certificate's subject
	Args      []string // Args[0] is the transaction name, "contract:Function"
}

// Proposal is a proposal's message (the peer.Proposal bytes the gateway hands out) once
// checked: its digest and what it asks.
type Proposal struct {
	Call
	payload *peer.ChaincodeProposalPayload
}

// InspectProposal checks a proposal's message before it is signed: SHA-256 of message is
// digest, its transaction id is txID, and its creator's certificate holds key's public
// key (the gateway asks this key holder to sign as itself, nobody else). It returns what
// the proposal asks, for the client to show or check.
func InspectProposal(message, digest []byte, txID string, key *ecdsa.PublicKey) (*Proposal, error) {
	if err := checkDigest(message, digest); err != nil {
		return nil, err
	}
	p := &peer.Proposal{}
	if err := proto.Unmarshal(message, p); err != nil {
		return nil, fmt.Errorf("the message is not a Fabric proposal: %w", err)
	}
	hdr := &common.Header{}
	if err := proto.Unmarshal(p.GetHeader(), hdr); err != nil {
		return nil, fmt.Errorf("proposal header: %w", err)
	}
	out := &Proposal{}
	if err := readHeader(hdr, txID, key, &out.Call); err != nil {
		return nil, err
	}
	cpp := &peer.ChaincodeProposalPayload{}
	if err := proto.Unmarshal(p.GetPayload(), cpp); err != nil {
		return nil, fmt.Errorf("proposal payload: %w", err)
	}
	spec := &peer.ChaincodeInvocationSpec{}
	if err := proto.Unmarshal(cpp.GetInput(), spec); err != nil {
		return nil, fmt.Errorf("chaincode invocation: %w", err)
	}
	out.Chaincode = spec.GetChaincodeSpec().GetChaincodeId().GetName()
	for _, a := range spec.GetChaincodeSpec().GetInput().GetArgs() {
		out.Args = append(out.Args, string(a))
	}
	if len(out.Args) == 0 {
		return nil, errors.New("the proposal calls no function")
	}
	out.payload = cpp
	return out, nil
}

// InspectTransaction checks a transaction's message before it is signed: SHA-256 of message
// is digest, same transaction id and creator as the proposal signed before, and it carries
// that proposal's chaincode call (what the peers endorsed is what the client asked).
func InspectTransaction(message, digest []byte, signed *Proposal, key *ecdsa.PublicKey) error {
	if err := checkDigest(message, digest); err != nil {
		return err
	}
	pl := &common.Payload{}
	if err := proto.Unmarshal(message, pl); err != nil {
		return fmt.Errorf("the message is not a Fabric transaction payload: %w", err)
	}
	var c Call
	if err := readHeader(pl.GetHeader(), signed.TxID, key, &c); err != nil {
		return err
	}
	if c.Channel != signed.Channel {
		return fmt.Errorf("the transaction is on channel %q, the proposal on %q", c.Channel, signed.Channel)
	}
	tx := &peer.Transaction{}
	if err := proto.Unmarshal(pl.GetData(), tx); err != nil {
		return fmt.Errorf("transaction: %w", err)
	}
	if len(tx.GetActions()) != 1 {
		return fmt.Errorf("the transaction has %d actions, want 1", len(tx.GetActions()))
	}
	cap := &peer.ChaincodeActionPayload{}
	if err := proto.Unmarshal(tx.GetActions()[0].GetPayload(), cap); err != nil {
		return fmt.Errorf("chaincode action: %w", err)
	}
	cpp := &peer.ChaincodeProposalPayload{}
	if err := proto.Unmarshal(cap.GetChaincodeProposalPayload(), cpp); err != nil {
		return fmt.Errorf("transaction's proposal payload: %w", err)
	}
	if !bytes.Equal(cpp.GetInput(), signed.payload.GetInput()) {
		return errors.New("the transaction does not carry the chaincode call of the signed proposal")
	}
	return nil
}

func checkDigest(message, digest []byte) error {
	sum := sha256.Sum256(message)
	if len(message) == 0 || !bytes.Equal(sum[:], digest) {
		return errors.New("the digest is not SHA-256 of the message")
	}
	return nil
}

// readHeader checks a header's transaction id and creator and fills c.
func readHeader(h *common.Header, txID string, key *ecdsa.PublicKey, c *Call) error {
	ch := &common.ChannelHeader{}
	if err := proto.Unmarshal(h.GetChannelHeader(), ch); err != nil {
		return fmt.Errorf("channel header: %w", err)
	}
	if ch.GetTxId() != txID {
		return fmt.Errorf("the message is for transaction %s, not %s", ch.GetTxId(), txID)
	}
	sh := &common.SignatureHeader{}
	if err := proto.Unmarshal(h.GetSignatureHeader(), sh); err != nil {
		return fmt.Errorf("signature header: %w", err)
	}
	id := &msp.SerializedIdentity{}
	if err := proto.Unmarshal(sh.GetCreator(), id); err != nil {
		return fmt.Errorf("creator: %w", err)
	}
	b, _ := pem.Decode(id.GetIdBytes())
	if b == nil {
		return errors.New("the creator has no PEM certificate")
	}
	cert, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return fmt.Errorf("creator certificate: %w", err)
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || key == nil || !pub.Equal(key) {
		return errors.New("the creator's certificate is not this key's: refusing to sign as someone else")
	}
	c.TxID, c.Channel, c.MSPID, c.Subject = ch.GetTxId(), ch.GetChannelId(), id.GetMspid(), cert.Subject.String()
	return nil
}
