package ledgerfetch

import (
	"context"
	"errors"
	"time"

	"github.com/govchain/govchain/internal/ledgerverify"
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
	for n := start; n < info.Height; n++ {
		if err := ctx.Err(); err != nil {
			return run, err
		}
		b, raw, err := src.Block(ctx, n)
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
