package fabric

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/internal/domain"
)

// fence gives the gateway's callers read-your-writes across agencies. A write is
// reported committed once the peer that submitted it has committed its block; the
// other agencies' peers commit the same block a few milliseconds later. A clerk who
// registers a business through the market bureau and at once issues an invoice for it
// through the tax bureau could otherwise be told the business does not exist.
//
// The fence remembers the ledger height this gateway's writes have reached. A query made
// within fence.recent of a write first waits (at most readWait) until the peer it goes
// through has that height, so that it never answers an older version of a record this
// gateway has just changed (an auditor reading what a registrar amended a moment ago).
// Heights seen are remembered per peer, so a peer is asked once per new block at most.
// When a query or an endorsement answers NOT_FOUND, and the peer it went through or another
// peer that may have endorsed it is below that height, the gateway waits for them to
// catch up and asks once more. Calls that succeed cost nothing extra.
type fence struct {
	height atomic.Uint64 // one past the highest block holding a write of this gateway
	last   atomic.Int64  // when the latest write committed (Unix nanoseconds)
	poll   time.Duration // between height checks
	wait   time.Duration // longest wait for a peer to catch up
	// recent: a NOT_FOUND this soon after a write is asked again once every peer has the
	// write, even if they all have it by the time they are asked: the peer that answered
	// may have caught up between its answer and the height check.
	recent time.Duration
	// readWait bounds how long a query waits for its peer before it is made anyway.
	readWait time.Duration
	now      func() time.Time
	seen     sync.Map // peer name -> *atomic.Uint64: the highest height the peer reported
}

func newFence() *fence {
	return &fence{poll: 20 * time.Millisecond, wait: 3 * time.Second, recent: 2 * time.Second, readWait: time.Second, now: time.Now}
}

// saw records that peer reported height h.
func (f *fence) saw(peer string, h uint64) {
	v, _ := f.seen.LoadOrStore(peer, new(atomic.Uint64))
	cur := v.(*atomic.Uint64)
	for {
		old := cur.Load()
		if h <= old || cur.CompareAndSwap(old, h) {
			return
		}
	}
}

func (f *fence) known(peer string) uint64 {
	if v, ok := f.seen.Load(peer); ok {
		return v.(*atomic.Uint64).Load()
	}
	return 0
}

// awaitRead holds a query until the peer c has every write this gateway committed within
// fence.recent. It gives up (and the query is made anyway) after readWait, when the
// peer cannot tell its height, or when ctx ends. It reports whether it had to wait.
func (f *fence) awaitRead(ctx context.Context, c conn) bool {
	want := f.height.Load()
	if want == 0 || f.now().Sub(time.Unix(0, f.last.Load())) >= f.recent {
		return false
	}
	peer := c.peer()
	if f.known(peer) >= want {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, f.readWait)
	defer cancel()
	waited, _ := f.catchUp(ctx, c, want)
	return waited
}

// catchUp polls c's height until it reaches want. waited reports whether c was behind when
// first asked; err is the height error, or ctx's when it ended first.
func (f *fence) catchUp(ctx context.Context, c conn, want uint64) (waited bool, err error) {
	for {
		h, err := c.height(ctx)
		if err != nil {
			return waited, err
		}
		f.saw(c.peer(), h)
		if h >= want {
			return waited, nil
		}
		waited = true
		t := time.NewTimer(f.poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return waited, ctx.Err()
		case <-t.C:
		}
	}
}

// committed records that a transaction of this gateway is in block.
func (f *fence) committed(block uint64) {
	f.last.Store(f.now().UnixNano())
	h := block + 1
	for {
		cur := f.height.Load()
		if h <= cur || f.height.CompareAndSwap(cur, h) {
			return
		}
	}
}

// retry reports whether a call that failed with err should be made again: err is the
// contract's NOT_FOUND, one of peers (the peer the call went through and the others that may
// have endorsed it) was behind this gateway's writes or the latest write is recent, and all
// of them have caught up. A peer that cannot be asked its height is left out: it answers
// nothing else either.
func (f *fence) retry(ctx context.Context, peers []conn, err error) bool {
	le, ok := ledger.AsError(err)
	want := f.height.Load()
	if ok && payloadMismatch(le) {
		// The endorsing peers computed different results: they read different versions,
		// one of them not having committed the latest block yet (concurrent updates of
		// one record). Once all are at the highest height any of them (or this gateway's
		// writes) reached, ask once more.
		ctx, cancel := context.WithTimeout(ctx, f.wait)
		defer cancel()
		for _, c := range peers {
			if h, err := c.height(ctx); err == nil {
				f.saw(c.peer(), h)
				want = max(want, h)
			}
		}
		for _, c := range peers {
			if _, err := f.catchUp(ctx, c, want); err != nil && ctx.Err() != nil {
				return false
			}
		}
		return true
	}
	if !ok || le.Kind != ledger.KindContract || le.Code != string(domain.CodeNotFound) || want == 0 {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, f.wait)
	defer cancel()
	behind := f.now().Sub(time.Unix(0, f.last.Load())) < f.recent
	for _, c := range peers {
		waited, err := f.catchUp(ctx, c, want)
		behind = behind || waited
		if err != nil && ctx.Err() != nil {
			return false
		}
	}
	return behind
}

// payloadMismatch recognises Fabric's refusal of endorsements whose results differ
// ("ProposalResponsePayloads do not match" on a peer that was asked after the first).
func payloadMismatch(le *ledger.Error) bool {
	if le.Kind != ledger.KindEndorsement {
		return false
	}
	for _, d := range le.Details {
		if strings.Contains(d.Message, "ProposalResponsePayloads do not match") {
			return true
		}
	}
	return false
}
