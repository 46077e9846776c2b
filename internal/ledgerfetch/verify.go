package ledgerfetch

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/govchain/govchain/internal/ledgerverify"
	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"
)

// Run is the outcome of one verification run.
type Run struct {
	From, Height uint64 // blocks From..Height-1 were read (Height: the source's height when the run began)
	Stats        ledgerverify.Progress
	Checkpoint   ledgerverify.Checkpoint // where the verified chain ends (valid when Verified)
	Verified     bool                    // every block read verified
	Fault        *ledgerverify.Fault     // the first fault, when one was found
	Took         time.Duration
}

// Verify reads blocks v's next block .. the source's current height from src
// and verifies each with v. A fault ends the run with Run.Fault set and a nil
// error; an error means the blocks could not be read (or ctx ended). onBlock,
// when set, sees every block's bytes before it is verified.
func Verify(ctx context.Context, src Reader, v *ledgerverify.Verifier, onBlock func(n uint64, raw []byte) error) (Run, error) {
	began := time.Now()
	info, err := src.Info(ctx)
	if err != nil {
		return Run{}, err
	}
	start := v.Next()
	run := Run{From: start, Height: info.Height}
	next := blockByBlock(src)
	if st, ok := src.(Streamer); ok && start < info.Height {
		sctx, cancel := context.WithCancel(ctx)
		defer cancel()
		ch, err := st.Stream(sctx, start)
		if err != nil {
			return run, err
		}
		next = fromStream(ch)
	}
	for n := start; n < info.Height; n++ {
		if err := ctx.Err(); err != nil {
			return run, err
		}
		b, raw, err := next(ctx, n)
		if err != nil {
			return run, err
		}
		if onBlock != nil {
			if err := onBlock(n, raw); err != nil {
				return run, err
			}
		}
		if err := v.VerifyBlock(b); err != nil {
			var f *ledgerverify.Fault
			if errors.As(err, &f) {
				run.Fault = f
				run.Stats = v.Stats()
				run.Took = time.Since(began)
				return run, nil
			}
			return run, err
		}
	}
	run.Stats = v.Stats()
	run.Checkpoint = v.Checkpoint()
	run.Verified = true
	run.Took = time.Since(began)
	return run, nil
}

// Streamer is a Reader that can also stream blocks (a *Source does, with the
// peer's Deliver service): the peer then sends the next blocks while this
// side verifies, instead of waiting for one query per block.
type Streamer interface {
	Stream(ctx context.Context, start uint64) (<-chan *cb.Block, error)
}

type nextBlock func(ctx context.Context, n uint64) (*cb.Block, []byte, error)

func blockByBlock(src Reader) nextBlock { return src.Block }

// fromStream takes block n from the stream, which must deliver them in order.
func fromStream(ch <-chan *cb.Block) nextBlock {
	return func(ctx context.Context, n uint64) (*cb.Block, []byte, error) {
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case b, ok := <-ch:
			if !ok {
				return nil, nil, fmt.Errorf("the block stream ended before block %d", n)
			}
			if b.GetHeader().GetNumber() != n {
				return nil, nil, fmt.Errorf("the block stream sent block %d where %d was due", b.GetHeader().GetNumber(), n)
			}
			raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(b)
			if err != nil {
				return nil, nil, err
			}
			return b, raw, nil
		}
	}
}
