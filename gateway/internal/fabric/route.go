package fabric

import (
	"context"
	"strings"

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

// chaincodeDownMarks are the entry peer's own words for "I could not run the chaincode" (its
// chaincode server down or restarting), as opposed to the chaincode's answer.
var chaincodeDownMarks = []string{"could not launch chaincode", "chaincode stream terminated", "failed to execute transaction"}

// chaincodeDown reports whether an endorsement or query failed because the peer could not
// reach its chaincode server. The fabric-gateway service asks its own org's peer first and
// gives up when that org has no other peer, although the policy (2 of 3 agencies) could be
// met without it; another agency's peer starts with its own chaincode. Endorsing writes
// nothing, so asking elsewhere is safe.
func chaincodeDown(err error) bool {
	le, ok := ledger.AsError(err)
	if !ok || le.Kind != ledger.KindEndorsement || len(le.Details) == 0 {
		return false
	}
	for _, d := range le.Details {
		down := false
		for _, m := range chaincodeDownMarks {
			if strings.Contains(d.Message, m) {
				down = true
				break
			}
		}
		if !down {
			return false
		}
	}
	return true
}

// do calls fn through the first usable hop; the last hop is always tried.
func do[T any](ctx context.Context, r *route, fn func(c conn) (T, error)) (T, error) {
	return doNext(ctx, r, unreachable, fn)
}

// doNext is do where next decides which failures move on to the next hop. Only an
// unreachable peer is marked suspect.
func doNext[T any](ctx context.Context, r *route, next func(error) bool, fn func(c conn) (T, error)) (T, error) {
	var zero T
	var err error
	for i, c := range r.hops {
		last := i == len(r.hops)-1
		if !last && !r.health.usable(ctx, c) {
			continue
		}
		var v T
		v, err = fn(c)
		if err == nil || !next(err) || ctx.Err() != nil {
			return v, err
		}
		if unreachable(err) && r.health.connLost(c.peer()) {
			r.health.failed(c.peer())
		}
		if last {
			break
		}
	}
	return zero, err
}

// unreachableOrChaincodeDown moves a call on when its peer, or that peer's chaincode, is down.
func unreachableOrChaincodeDown(err error) bool { return unreachable(err) || chaincodeDown(err) }

func (r *route) evaluate(ctx context.Context, call ledger.Call) ([]byte, error) {
	return doNext(ctx, r, unreachableOrChaincodeDown, func(c conn) ([]byte, error) { return c.evaluate(ctx, call) })
}

func (r *route) endorse(ctx context.Context, call ledger.Call) (*prepared, error) {
	return doNext(ctx, r, unreachableOrChaincodeDown, func(c conn) (*prepared, error) { return c.endorse(ctx, call) })
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

func (r *route) transaction(ctx context.Context, txID string, block *uint64) (*ledger.Transaction, error) {
	return do(ctx, r, func(c conn) (*ledger.Transaction, error) { return c.transaction(ctx, txID, block) })
}

func (r *route) height(ctx context.Context) (uint64, error) {
	return do(ctx, r, func(c conn) (uint64, error) { return c.height(ctx) })
}

func (r *route) events(ctx context.Context, startBlock uint64, afterTxID string) (<-chan ledger.Event, error) {
	return do(ctx, r, func(c conn) (<-chan ledger.Event, error) { return c.events(ctx, startBlock, afterTxID) })
}

// peer names the identity's own peer (the route's first).
func (r *route) peer() string { return r.hops[0].peer() }
