package fabric

import (
	"context"

	"github.com/govchain/govchain/gateway/internal/ledger"
)

// route is the conn of one identity with an ordered list of peers (identities[].peers): each
// call goes through the first usable one, the identity's own peer first, and moves on to the
// next when a peer cannot be reached. The fabric-gateway service of any channel member's
// peer serves any member's client; the transaction is still signed by the identity and
// endorsed as the policy says. Calls confined to orgs (ledger.Call.Orgs) never use a route.
type route struct {
	hops   []conn // the own peer first
	health *health
}

var _ conn = (*route)(nil)

// unreachable reports whether err means the peer could not be asked (or answer), so that the
// next peer may be asked instead. Contract, endorsement and commit errors are answers.
func unreachable(err error) bool {
	le, ok := ledger.AsError(err)
	return ok && le.Kind == ledger.KindUnavailable
}

// do calls fn through the first usable hop; the last hop is always tried.
func do[T any](ctx context.Context, r *route, fn func(c conn) (T, error)) (T, error) {
	var zero T
	var err error
	for i, c := range r.hops {
		last := i == len(r.hops)-1
		if !last && !r.health.usable(ctx, c) {
			continue
		}
		var v T
		v, err = fn(c)
		if err == nil || !unreachable(err) || ctx.Err() != nil {
			return v, err
		}
		if r.health.connLost(c.peer()) {
			r.health.failed(c.peer())
		}
		if last {
			break
		}
	}
	return zero, err
}

func (r *route) evaluate(ctx context.Context, call ledger.Call) ([]byte, error) {
	return do(ctx, r, func(c conn) ([]byte, error) { return c.evaluate(ctx, call) })
}

func (r *route) endorse(ctx context.Context, call ledger.Call) (*prepared, error) {
	return do(ctx, r, func(c conn) (*prepared, error) { return c.endorse(ctx, call) })
}

// submit sends the same signed transaction through the first usable peer: sending it again
// through another is safe (same transaction id).
func (r *route) submit(ctx context.Context, tx *prepared) error {
	_, err := do(ctx, r, func(c conn) (struct{}, error) { return struct{}{}, c.submit(ctx, tx) })
	return err
}

func (r *route) commitStatus(ctx context.Context, txID string) (txStatus, error) {
	return do(ctx, r, func(c conn) (txStatus, error) { return c.commitStatus(ctx, txID) })
}

type lookupResult struct {
	st    txStatus
	found bool
}

func (r *route) lookup(ctx context.Context, txID string) (txStatus, bool, error) {
	res, err := do(ctx, r, func(c conn) (lookupResult, error) {
		st, found, err := c.lookup(ctx, txID)
		return lookupResult{st, found}, err
	})
	return res.st, res.found, err
}

func (r *route) transaction(ctx context.Context, txID string) (*ledger.Transaction, error) {
	return do(ctx, r, func(c conn) (*ledger.Transaction, error) { return c.transaction(ctx, txID) })
}

func (r *route) height(ctx context.Context) (uint64, error) {
	return do(ctx, r, func(c conn) (uint64, error) { return c.height(ctx) })
}

func (r *route) events(ctx context.Context, startBlock uint64, afterTxID string) (<-chan ledger.Event, error) {
	return do(ctx, r, func(c conn) (<-chan ledger.Event, error) { return c.events(ctx, startBlock, afterTxID) })
}

// peer names the identity's own peer (the route's first).
func (r *route) peer() string { return r.hops[0].peer() }
