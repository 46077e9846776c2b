package fabric

import (
	"time"

	"github.com/govchain/govchain/gateway/internal/ledger"
)

// Observer receives the latency of every Fabric call: phase is evaluate, endorse, submit or
// commit; outcome is "ok" or the failure kind (contract, timeout, unavailable…).
type Observer interface {
	ObserveFabric(phase, outcome string, d time.Duration)
	// ObserveRetry counts a retry: reason is the validation code of a fresh-transaction
	// retry, "resubmit" for a resubmission of the same transaction, "read-your-writes" for a
	// call asked again after its peer caught up, "read-your-writes-wait" for a query that
	// waited for its peer to have this gateway's latest write.
	ObserveRetry(reason string)
}

// observer times calls for an Observer.
type observer struct{ Observer }

func (o observer) start(phase string) func(error) {
	t0 := time.Now()
	return func(err error) {
		if o.Observer == nil {
			return
		}
		o.ObserveFabric(phase, outcome(err), time.Since(t0))
	}
}

func (o observer) retry(reason string) {
	if o.Observer != nil {
		o.ObserveRetry(reason)
	}
}

func outcome(err error) string {
	if err == nil {
		return "ok"
	}
	if le, ok := ledger.AsError(err); ok {
		return le.Kind.String()
	}
	return "internal"
}
