package fabric

import (
	"context"
	"sync"

	"github.com/govchain/govchain/gateway/internal/ledger"
)

// readyProbe is a cheap query: any answer of the chaincode, even a contract error, proves
// that the peer is reachable and the chaincode runs.
var readyProbe = ledger.Call{Contract: "business", Function: "List", Args: []string{"", "", "1", ""}}

// Ready implements ledger.Ledger: one probe per peer, through an identity that uses it.
// Peers no identity uses are not the gateway's concern and are left out.
func (l *Ledger) Ready(ctx context.Context) []ledger.PeerStatus {
	var out []ledger.PeerStatus
	var probes []func()
	for _, p := range l.cfg.Peers {
		var c conn
		var caller ledger.Caller
		for cl := range l.conns {
			if _, clientSigned := l.clientCerts[cl]; clientSigned {
				continue // the gateway cannot sign its probe
			}
			cn, _ := l.homeConn(cl)
			if cn.peer() == p.Name && (c == nil || cl.Role < caller.Role || (cl.Role == caller.Role && cl.Org < caller.Org)) {
				c, caller = cn, cl
			}
		}
		if c == nil {
			continue
		}
		out = append(out, ledger.PeerStatus{Name: p.Name, MSPID: p.MSPID})
		i := len(out) - 1
		probes = append(probes, func() {
			pctx, cancel := context.WithTimeout(ctx, l.cfg.Timeouts.Evaluate)
			defer cancel()
			call := readyProbe
			call.Caller = caller
			_, err := c.evaluate(pctx, call)
			if le, ok := ledger.AsError(err); err == nil || (ok && le.Kind == ledger.KindContract) {
				out[i].Ready = true
				return
			}
			out[i].Error = safeMessage(err)
		})
	}
	var wg sync.WaitGroup
	for _, probe := range probes {
		wg.Add(1)
		go func() { defer wg.Done(); probe() }()
	}
	wg.Wait()
	return out
}
