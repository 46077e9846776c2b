package fabric

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-gateway/pkg/identity"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"
)

// gatewayConn is the conn of one identity, implemented with fabric-gateway.
type gatewayConn struct {
	caller    ledger.Caller
	mspID     string
	peerName  string
	certPEM   []byte
	sign      identity.Sign
	gw        *client.Gateway
	network   *client.Network
	chaincode string
	obs       observer
	log       *slog.Logger
	// reader, for an identity that signs on the client (sign is nil), is another identity's
	// conn through the same peer: it signs the gateway's own ledger reads (qscc: commit
	// lookups, transaction facts, heights) and event streams, which are not the client's acts.
	reader *gatewayConn
}

// readNetwork is the network the gateway's own reads go through: the identity's, or its
// reader's when the identity signs on the client.
func (g *gatewayConn) readNetwork() *client.Network {
	if g.sign == nil && g.reader != nil {
		return g.reader.network
	}
	return g.network
}

// errClientSigns refuses what the gateway would have to sign for a client-signed identity.
func (g *gatewayConn) errClientSigns() error {
	return &ledger.Error{Kind: ledger.KindContract, Code: "FORBIDDEN",
		Message: "identity " + g.caller.Label() + " signs on the client: the gateway holds no key to sign its requests; write through /api/v1/signing/proposals and read with another API key of the agency"}
}

func (g *gatewayConn) contract(name string) *client.Contract {
	return g.network.GetContractWithName(g.chaincode, name)
}

// proposalOptions are the arguments, and the transient data and endorsing (or target)
// orgs of a confined call.
func proposalOptions(call ledger.Call) []client.ProposalOption {
	opts := []client.ProposalOption{client.WithArguments(call.Args...)}
	if len(call.Transient) > 0 {
		opts = append(opts, client.WithTransient(call.Transient))
	}
	if len(call.Orgs) > 0 {
		opts = append(opts, client.WithEndorsingOrganizations(call.Orgs...))
	}
	return opts
}

func (g *gatewayConn) evaluate(ctx context.Context, call ledger.Call) ([]byte, error) {
	if g.sign == nil {
		return nil, g.errClientSigns()
	}
	done := g.obs.start(string(phaseEvaluate))
	res, err := g.contract(call.Contract).EvaluateWithContext(ctx, call.Function, proposalOptions(call)...)
	err = classify(err, phaseEvaluate)
	done(err)
	return res, err
}

func (g *gatewayConn) endorse(ctx context.Context, call ledger.Call) (*prepared, error) {
	if g.sign == nil {
		return nil, g.errClientSigns()
	}
	proposal, err := g.contract(call.Contract).NewProposal(call.Function, proposalOptions(call)...)
	if err != nil {
		return nil, classify(err, phaseEndorse)
	}
	done := g.obs.start(string(phaseEndorse))
	tx, err := proposal.EndorseWithContext(ctx)
	err = classify(err, phaseEndorse)
	done(err)
	if err != nil {
		if le, ok := ledger.AsError(err); ok && le.TransactionID == "" {
			le.TransactionID = proposal.TransactionID()
		}
		return nil, err
	}
	// Sign here, not in Submit, so the signature can be stored with the transaction and the
	// very same signed transaction resubmitted later (gateway.NewSignedTransaction).
	sig, err := g.sign(tx.Digest())
	if err != nil {
		return nil, &ledger.Error{Kind: ledger.KindInternal, Message: "internal error", TransactionID: tx.TransactionID(), Err: fmt.Errorf("sign transaction: %w", err)}
	}
	raw, err := tx.Bytes()
	if err != nil {
		return nil, &ledger.Error{Kind: ledger.KindInternal, Message: "internal error", TransactionID: tx.TransactionID(), Err: err}
	}
	return &prepared{TxID: tx.TransactionID(), Result: tx.Result(), Bytes: raw, Signature: sig}, nil
}

func (g *gatewayConn) submit(ctx context.Context, p *prepared) error {
	tx, err := g.gw.NewSignedTransaction(p.Bytes, p.Signature)
	if err != nil {
		return &ledger.Error{Kind: ledger.KindInternal, Message: "internal error", TransactionID: p.TxID, Err: err}
	}
	done := g.obs.start(string(phaseSubmit))
	_, err = tx.SubmitWithContext(ctx)
	err = classify(err, phaseSubmit)
	done(err)
	return err
}

func (g *gatewayConn) commitStatus(ctx context.Context, txID string) (txStatus, error) {
	if g.sign == nil && g.reader != nil {
		// A commit status request is signed; any member's identity may ask for any
		// transaction's status.
		return g.reader.commitStatus(ctx, txID)
	}
	creator, err := proto.Marshal(&msp.SerializedIdentity{Mspid: g.mspID, IdBytes: g.certPEM})
	if err != nil {
		return txStatus{}, &ledger.Error{Kind: ledger.KindInternal, Message: "internal error", TransactionID: txID, Err: err}
	}
	req, err := proto.Marshal(&gateway.CommitStatusRequest{ChannelId: g.network.Name(), TransactionId: txID, Identity: creator})
	if err != nil {
		return txStatus{}, &ledger.Error{Kind: ledger.KindInternal, Message: "internal error", TransactionID: txID, Err: err}
	}
	signed, err := proto.Marshal(&gateway.SignedCommitStatusRequest{Request: req})
	if err != nil {
		return txStatus{}, &ledger.Error{Kind: ledger.KindInternal, Message: "internal error", TransactionID: txID, Err: err}
	}
	commit, err := g.gw.NewCommit(signed)
	if err != nil {
		return txStatus{}, &ledger.Error{Kind: ledger.KindInternal, Message: "internal error", TransactionID: txID, Err: err}
	}
	done := g.obs.start(string(phaseCommitStatus))
	st, err := commit.StatusWithContext(ctx)
	err = classify(err, phaseCommitStatus)
	done(err)
	if err != nil {
		if le, ok := ledger.AsError(err); ok && le.TransactionID == "" {
			le.TransactionID = txID
		}
		return txStatus{}, err
	}
	return txStatus{Code: st.Code, Block: st.BlockNumber}, nil
}

// qscc evaluates a query system chaincode function.
func (g *gatewayConn) qscc(ctx context.Context, fn string, args ...string) ([]byte, error) {
	res, err := g.readNetwork().GetContract("qscc").EvaluateWithContext(ctx, fn, client.WithArguments(args...))
	if err != nil {
		err = classify(err, phaseEvaluate)
		if isUnknownTxID(err) {
			return nil, &ledger.Error{Kind: ledger.KindNotFound, Message: "no such transaction"}
		}
		return nil, err
	}
	return res, nil
}

// isUnknownTxID recognises qscc's answer for a transaction id the ledger does not hold.
func isUnknownTxID(err error) bool {
	le, ok := ledger.AsError(err)
	if !ok {
		return false
	}
	texts := []string{le.Message}
	if le.Err != nil {
		texts = append(texts, le.Err.Error())
	}
	for _, d := range le.Details {
		texts = append(texts, d.Message)
	}
	// qscc: "chaincode response 500, Failed to get transaction with id X, error no such
	// transaction ID [X] in index" (GetBlockByTxID: "Failed to get block for txID X, …").
	for _, t := range texts {
		if strings.Contains(strings.ToLower(t), "no such transaction id") {
			return true
		}
	}
	return false
}

func (g *gatewayConn) lookup(ctx context.Context, txID string) (txStatus, bool, error) {
	raw, err := g.qscc(ctx, "GetTransactionByID", g.network.Name(), txID)
	if le, ok := ledger.AsError(err); ok && le.Kind == ledger.KindNotFound {
		return txStatus{}, false, nil
	}
	if err != nil {
		return txStatus{}, false, err
	}
	pt := &peer.ProcessedTransaction{}
	if err := proto.Unmarshal(raw, pt); err != nil {
		return txStatus{}, false, &ledger.Error{Kind: ledger.KindInternal, Message: "internal error", Err: fmt.Errorf("parse ProcessedTransaction: %w", err)}
	}
	code := peer.TxValidationCode(pt.GetValidationCode())
	block, err := g.blockOf(ctx, txID, code)
	if err != nil {
		return txStatus{}, false, err
	}
	return txStatus{Code: code, Block: block}, true, nil
}

// blockOf reads the number of the block holding txID, a transaction the ledger holds (qscc
// found it) with validation code code. The gateway service's commit status answers it from
// the peer's transaction index at once, in a few bytes, for any transaction on the peer's
// ledger; qscc GetBlockByTxID would send the whole block (megabytes with hundreds of
// transactions) for one number. Only when the commit status is about another copy of the
// transaction (a resubmission that committed as DUPLICATE_TXID), or cannot be had, is the
// block read.
func (g *gatewayConn) blockOf(ctx context.Context, txID string, code peer.TxValidationCode) (uint64, error) {
	st, err := g.commitStatus(ctx, txID)
	if err == nil && st.Code == code {
		return st.Block, nil
	}
	if ctx.Err() != nil {
		return 0, err
	}
	if g.log != nil {
		g.log.Debug("commit status does not give the block of a transaction; reading its block", "tx_id", txID, "code", code.String(), "status", st.Code.String(), "error", err)
	}
	return g.blockNumber(ctx, txID)
}

// blockNumber reads the number of the block holding txID from the block itself: a fallback
// of blockOf, since it transfers the whole block.
func (g *gatewayConn) blockNumber(ctx context.Context, txID string) (uint64, error) {
	raw, err := g.qscc(ctx, "GetBlockByTxID", g.network.Name(), txID)
	if err != nil {
		return 0, err
	}
	b := &common.Block{}
	if err := proto.Unmarshal(raw, b); err != nil {
		return 0, &ledger.Error{Kind: ledger.KindInternal, Message: "internal error", Err: fmt.Errorf("parse block: %w", err)}
	}
	return b.GetHeader().GetNumber(), nil
}

// height reads the channel's current block height (the number of the next block).
func (g *gatewayConn) height(ctx context.Context) (uint64, error) {
	raw, err := g.qscc(ctx, "GetChainInfo", g.network.Name())
	if err != nil {
		return 0, err
	}
	info := &common.BlockchainInfo{}
	if err := proto.Unmarshal(raw, info); err != nil {
		return 0, &ledger.Error{Kind: ledger.KindInternal, Message: "internal error", Err: fmt.Errorf("parse chain info: %w", err)}
	}
	return info.GetHeight(), nil
}

func (g *gatewayConn) peer() string { return g.peerName }

func (g *gatewayConn) transaction(ctx context.Context, txID string, block *uint64) (*ledger.Transaction, error) {
	raw, err := g.qscc(ctx, "GetTransactionByID", g.network.Name(), txID)
	if err != nil {
		return nil, err
	}
	tx, err := parseProcessedTransaction(raw)
	if err != nil {
		return nil, &ledger.Error{Kind: ledger.KindInternal, Message: "internal error", TransactionID: txID, Err: err}
	}
	if block == nil {
		n, err := g.blockOf(ctx, txID, peer.TxValidationCode(*tx.ValidationCode))
		if err != nil {
			return nil, err
		}
		block = &n
	}
	n := *block
	tx.BlockNumber = &n
	return tx, nil
}

func (g *gatewayConn) events(ctx context.Context, startBlock uint64, afterTxID string) (<-chan ledger.Event, error) {
	opt := client.WithStartBlock(startBlock)
	if afterTxID != "" {
		cp := &client.InMemoryCheckpointer{}
		cp.CheckpointTransaction(startBlock, afterTxID)
		opt = client.WithCheckpoint(cp)
	}
	in, err := g.readNetwork().ChaincodeEvents(ctx, g.chaincode, opt)
	if err != nil {
		return nil, classify(err, phaseEvaluate)
	}
	out := make(chan ledger.Event)
	go func() {
		defer close(out)
		// fabric-gateway's delivery goroutine blocks on an unread channel: always drain it
		// (it closes once ctx ends), forwarding only while someone listens.
		for ev := range in {
			if ctx.Err() != nil {
				continue
			}
			select {
			case out <- ledger.Event{BlockNumber: ev.BlockNumber, TransactionID: ev.TransactionID, ChaincodeName: ev.ChaincodeName, EventName: ev.EventName, Payload: ev.Payload}:
			case <-ctx.Done():
			}
		}
	}()
	return out, nil
}
