package fabric

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/govchain/govchain/gateway/internal/index"
	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset/kvrwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"
)

// DecodeBlock turns a block into the index's rows: every transaction (its validation code
// from the block's transactions filter, creator and endorsing MSPs, function) and, for each
// valid transaction of chaincode, the records its public writes set. Private data appears in
// a block only as hashes of keys and values (collection_hashed_rwset), which are not read.
func DecodeBlock(b *common.Block, chaincode string) (index.Block, error) {
	out := index.Block{Number: b.GetHeader().GetNumber()}
	var filter []byte
	if md := b.GetMetadata().GetMetadata(); len(md) > int(common.BlockMetadataIndex_TRANSACTIONS_FILTER) {
		filter = md[common.BlockMetadataIndex_TRANSACTIONS_FILTER]
	}
	for i, envBytes := range b.GetData().GetData() {
		tx, records, err := decodeTx(envBytes, chaincode)
		if err != nil {
			return index.Block{}, fmt.Errorf("block %d transaction %d: %w", out.Number, i, err)
		}
		tx.Block, tx.TxIndex = out.Number, i
		code := peer.TxValidationCode_NOT_VALIDATED
		if i < len(filter) {
			code = peer.TxValidationCode(filter[i])
		}
		tx.ValidationCode, tx.ValidationName = int32(code), code.String()
		if i == 0 {
			out.Time = tx.Timestamp
		}
		out.Txs = append(out.Txs, tx)
		if code != peer.TxValidationCode_VALID {
			continue
		}
		for _, r := range records {
			r.Block, r.TxIndex, r.TxID = out.Number, i, tx.TxID
			if r.UpdatedAt.IsZero() {
				r.UpdatedAt = tx.Timestamp
			}
			if r.CreatedAt.IsZero() {
				r.CreatedAt = r.UpdatedAt
			}
			out.Records = append(out.Records, r)
		}
	}
	return out, nil
}

// decodeTx reads one envelope: the transaction's facts and the records it writes (valid or
// not; the caller keeps them only for a valid one).
func decodeTx(envBytes []byte, chaincode string) (index.Tx, []index.Record, error) {
	var tx index.Tx
	env := &common.Envelope{}
	if err := proto.Unmarshal(envBytes, env); err != nil {
		return tx, nil, fmt.Errorf("envelope: %w", err)
	}
	f, err := parseTxPayload(env.GetPayload())
	if err != nil {
		return tx, nil, err
	}
	chdr := f.chdr
	tx.TxID = chdr.GetTxId()
	if ts := chdr.GetTimestamp(); ts != nil {
		tx.Timestamp = ts.AsTime().UTC().Truncate(time.Microsecond)
	}
	tx.CreatorMSP = mspOf(f.creator)
	tx.Endorsers = []string{}
	switch common.HeaderType(chdr.GetType()) {
	case common.HeaderType_ENDORSER_TRANSACTION:
	case common.HeaderType_CONFIG:
		tx.Function = "CONFIG"
		return tx, nil, nil
	default:
		tx.Function = common.HeaderType(chdr.GetType()).String()
		return tx, nil, nil
	}
	var records []index.Record
	for _, cap := range f.actions {
		name, fn := parseInvocation(cap.GetChaincodeProposalPayload())
		if tx.Function == "" {
			tx.Function = fn
			if name != chaincode && name != "" {
				tx.Function = name + ":" + fn
			}
		}
		for _, e := range cap.GetAction().GetEndorsements() {
			if m := mspOf(e.GetEndorser()); m != "" && !slices.Contains(tx.Endorsers, m) {
				tx.Endorsers = append(tx.Endorsers, m)
			}
		}
		prp := &peer.ProposalResponsePayload{}
		if err := proto.Unmarshal(cap.GetAction().GetProposalResponsePayload(), prp); err != nil {
			return tx, nil, fmt.Errorf("proposal response payload: %w", err)
		}
		ca := &peer.ChaincodeAction{}
		if err := proto.Unmarshal(prp.GetExtension(), ca); err != nil {
			return tx, nil, fmt.Errorf("chaincode action: %w", err)
		}
		if ca.GetChaincodeId().GetName() != chaincode {
			continue
		}
		rws := &rwset.TxReadWriteSet{}
		if err := proto.Unmarshal(ca.GetResults(), rws); err != nil {
			return tx, nil, fmt.Errorf("read-write set: %w", err)
		}
		for _, ns := range rws.GetNsRwset() {
			if ns.GetNamespace() != chaincode {
				continue
			}
			kv := &kvrwset.KVRWSet{}
			if err := proto.Unmarshal(ns.GetRwset(), kv); err != nil {
				return tx, nil, fmt.Errorf("read-write set of %s: %w", chaincode, err)
			}
			for _, w := range kv.GetWrites() {
				if w.GetIsDelete() {
					continue
				}
				if r, ok := index.RecordFromWrite(w.GetKey(), w.GetValue()); ok {
					records = append(records, r)
				}
			}
		}
	}
	slices.Sort(tx.Endorsers)
	return tx, records, nil
}

// mspOf is the MSP ID of a serialized identity ("" when it does not decode).
func mspOf(raw []byte) string {
	sid := &msp.SerializedIdentity{}
	if proto.Unmarshal(raw, sid) != nil {
		return ""
	}
	return sid.GetMspid()
}

// BlockSource is the index's source: the block stream and height of the channel as one
// identity's own peer has them (never another agency's peer).
type BlockSource struct {
	c         *gatewayConn
	chaincode string
}

var _ index.Source = (*BlockSource)(nil)

// BlockSource returns the index's source reading through caller's own peer.
func (l *Ledger) BlockSource(caller ledger.Caller) (*BlockSource, error) {
	cn, ok := l.homeConn(caller)
	if !ok {
		return nil, fmt.Errorf("index: no identity %s/%s", caller.Org, caller.Role)
	}
	gc, ok := cn.(*gatewayConn)
	if !ok {
		return nil, errors.New("index: blocks can only be read through a Fabric Gateway connection")
	}
	return &BlockSource{c: gc, chaincode: l.cfg.Chaincode}, nil
}

// Height reads the channel's height from the peer.
func (s *BlockSource) Height(ctx context.Context) (uint64, error) { return s.c.height(ctx) }

// Blocks streams the decoded blocks from start. The stream ends when ctx does, when the peer
// ends it or at a block that does not decode (then errc says so).
func (s *BlockSource) Blocks(ctx context.Context, start uint64) (<-chan index.Block, <-chan error, error) {
	sctx, cancel := context.WithCancel(ctx)
	in, err := s.c.network.BlockEvents(sctx, client.WithStartBlock(start))
	if err != nil {
		cancel()
		return nil, nil, classify(err, phaseEvaluate)
	}
	out := make(chan index.Block, 16)
	errc := make(chan error, 1)
	go func() {
		defer close(out)
		defer cancel()
		// fabric-gateway's delivery goroutine blocks on an unread channel: always drain it
		// (it closes once sctx ends).
		failed := false
		for b := range in {
			if failed || sctx.Err() != nil {
				continue
			}
			blk, err := DecodeBlock(b, s.chaincode)
			if err != nil {
				errc <- err
				failed = true
				cancel()
				continue
			}
			select {
			case out <- blk:
			case <-sctx.Done():
			}
		}
	}()
	return out, errc, nil
}
