package fabric

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"slices"
	"time"

	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"
)

// parseProcessedTransaction turns qscc's GetTransactionByID answer into the facts an auditor
// needs: validation code, channel, timestamp, creator, endorsers and the function called. The
// arguments are left out: they may carry personal data and the record itself is readable.
func parseProcessedTransaction(raw []byte) (*ledger.Transaction, error) {
	pt := &peer.ProcessedTransaction{}
	if err := proto.Unmarshal(raw, pt); err != nil {
		return nil, fmt.Errorf("ProcessedTransaction: %w", err)
	}
	f, err := parseTxPayload(pt.GetTransactionEnvelope().GetPayload())
	if err != nil {
		return nil, err
	}
	chdr := f.chdr
	code := pt.GetValidationCode()
	name := peer.TxValidationCode_name[code]
	if name == "" {
		name = fmt.Sprintf("CODE_%d", code)
	}
	tx := &ledger.Transaction{
		TransactionID:  chdr.GetTxId(),
		Status:         name,
		ValidationCode: &code,
		Channel:        chdr.GetChannelId(),
	}
	if ts := chdr.GetTimestamp(); ts != nil {
		t := ts.AsTime().UTC().Truncate(time.Microsecond)
		tx.Timestamp = &t
	}
	if creator, err := parseSigner(f.creator); err == nil {
		tx.Creator = &creator
	}
	for _, cap := range f.actions {
		if tx.Function == "" {
			tx.Chaincode, tx.Function = parseInvocation(cap.GetChaincodeProposalPayload())
		}
		for _, e := range cap.GetAction().GetEndorsements() {
			s, err := parseSigner(e.GetEndorser())
			if err != nil {
				continue
			}
			tx.Endorsements = append(tx.Endorsements, s)
			if !slices.Contains(tx.EndorsingOrgs, s.MSPID) {
				tx.EndorsingOrgs = append(tx.EndorsingOrgs, s.MSPID)
			}
		}
	}
	slices.Sort(tx.EndorsingOrgs)
	return tx, nil
}

// txPayload is what an envelope's payload says of its transaction: the channel header, the
// creator and, for an endorser transaction, its chaincode actions.
type txPayload struct {
	chdr    *common.ChannelHeader
	creator []byte
	actions []*peer.ChaincodeActionPayload
}

// parseTxPayload decodes an envelope's payload: the transaction lookup (qscc) and the index
// (whole blocks) read the same facts from it.
func parseTxPayload(raw []byte) (*txPayload, error) {
	payload := &common.Payload{}
	if err := proto.Unmarshal(raw, payload); err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	f := &txPayload{chdr: &common.ChannelHeader{}}
	if err := proto.Unmarshal(payload.GetHeader().GetChannelHeader(), f.chdr); err != nil {
		return nil, fmt.Errorf("channel header: %w", err)
	}
	shdr := &common.SignatureHeader{}
	if err := proto.Unmarshal(payload.GetHeader().GetSignatureHeader(), shdr); err != nil {
		return nil, fmt.Errorf("signature header: %w", err)
	}
	f.creator = shdr.GetCreator()
	if common.HeaderType(f.chdr.GetType()) != common.HeaderType_ENDORSER_TRANSACTION {
		return f, nil
	}
	body := &peer.Transaction{}
	if err := proto.Unmarshal(payload.GetData(), body); err != nil {
		return nil, fmt.Errorf("transaction: %w", err)
	}
	for _, action := range body.GetActions() {
		cap := &peer.ChaincodeActionPayload{}
		if err := proto.Unmarshal(action.GetPayload(), cap); err != nil {
			return nil, fmt.Errorf("chaincode action payload: %w", err)
		}
		f.actions = append(f.actions, cap)
	}
	return f, nil
}

// parseInvocation reads the chaincode name and function ("contract:Function") of a proposal.
func parseInvocation(raw []byte) (chaincode, function string) {
	cpp := &peer.ChaincodeProposalPayload{}
	if err := proto.Unmarshal(raw, cpp); err != nil {
		return "", ""
	}
	spec := &peer.ChaincodeInvocationSpec{}
	if err := proto.Unmarshal(cpp.GetInput(), spec); err != nil {
		return "", ""
	}
	chaincode = spec.GetChaincodeSpec().GetChaincodeId().GetName()
	if args := spec.GetChaincodeSpec().GetInput().GetArgs(); len(args) > 0 {
		function = string(args[0])
	}
	return chaincode, function
}

// parseSigner reads the MSP and certificate subject of a serialized identity.
func parseSigner(raw []byte) (ledger.Signer, error) {
	sid := &msp.SerializedIdentity{}
	if err := proto.Unmarshal(raw, sid); err != nil {
		return ledger.Signer{}, err
	}
	s := ledger.Signer{MSPID: sid.GetMspid()}
	block, _ := pem.Decode(sid.GetIdBytes())
	if block == nil {
		return s, nil
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return s, nil
	}
	s.Subject = cert.Subject.String()
	return s, nil
}

// jsonOrNil returns raw as JSON if it is valid JSON, else nil.
func jsonOrNil(raw []byte) json.RawMessage {
	if len(raw) == 0 || !json.Valid(raw) {
		return nil
	}
	return json.RawMessage(raw)
}
