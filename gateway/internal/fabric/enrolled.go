package fabric

import (
	"errors"
	"fmt"

	"github.com/govchain/govchain/gateway/internal/config"
	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/hyperledger/fabric-gateway/pkg/identity"
)

// enrolledIdentity is an identity added at runtime (enrolled through its org's CA): its conns
// are built as New builds those of a configured identity.
type enrolledIdentity struct {
	conn     conn            // its route, or its own peer
	home     conn            // its own peer only
	via      map[string]conn // through every configured peer
	gateways []interface{ Close() error }
}

// AddIdentity makes an identity enrolled at runtime usable at once: caller.Name must be set
// (it tells the identity apart from the org's configured identity of the same role). It
// signs with keyPEM (PKCS#8 or SEC 1) and connects through hops (the own peer first, then
// the fallbacks; names of configured peers). Adding a name again replaces its conns.
func (l *Ledger) AddIdentity(caller ledger.Caller, mspID string, hops []string, certPEM, keyPEM []byte) error {
	if caller.Name == "" {
		return errors.New("add identity: no name")
	}
	if len(hops) == 0 {
		return fmt.Errorf("identity %s/%s: no peer to connect through", caller.Org, caller.Name)
	}
	for _, p := range hops {
		if _, ok := l.byName[p]; !ok {
			return fmt.Errorf("identity %s/%s: unknown peer %q", caller.Org, caller.Name, p)
		}
	}
	cert, err := identity.CertificateFromPEM(certPEM)
	if err != nil {
		return fmt.Errorf("identity %s/%s: cert: %w", caller.Org, caller.Name, err)
	}
	xid, err := identity.NewX509Identity(mspID, cert)
	if err != nil {
		return fmt.Errorf("identity %s/%s: %w", caller.Org, caller.Name, err)
	}
	key, err := identity.PrivateKeyFromPEM(keyPEM)
	if err != nil {
		return fmt.Errorf("identity %s/%s: key: %w", caller.Org, caller.Name, err)
	}
	sign, err := identity.NewPrivateKeySign(key)
	if err != nil {
		return fmt.Errorf("identity %s/%s: key: %w", caller.Org, caller.Name, err)
	}
	s := &signer{id: config.Identity{Org: caller.Org, Role: caller.Role, Name: caller.Name, MSPID: mspID}, xid: xid, sign: sign}
	e := &enrolledIdentity{via: map[string]conn{}}
	for _, p := range l.cfg.Peers {
		gc, err := connectVia(l.cfg, s, p.Name, l.byName[p.Name], l.obs)
		if err != nil {
			e.close()
			return err
		}
		gc.log = l.log
		e.gateways = append(e.gateways, gc.gw)
		e.via[p.Name] = gc
	}
	e.home = e.via[hops[0]]
	e.conn = e.home
	if len(hops) > 1 {
		cs := make([]conn, 0, len(hops))
		for _, name := range hops {
			cs = append(cs, e.via[name])
		}
		e.conn = &route{hops: cs, health: l.health}
	}
	l.enrolledMu.Lock()
	if l.enrolled == nil {
		l.enrolled = map[ledger.Caller]*enrolledIdentity{}
	}
	old := l.enrolled[caller]
	l.enrolled[caller] = e
	l.enrolledMu.Unlock()
	if old != nil {
		old.close()
	}
	return nil
}

// RemoveIdentity drops an identity added by AddIdentity (revoked): from now on nothing is
// signed with it, and its pending transactions, if any, end FAILED when next driven.
func (l *Ledger) RemoveIdentity(caller ledger.Caller) {
	l.enrolledMu.Lock()
	e := l.enrolled[caller]
	delete(l.enrolled, caller)
	l.enrolledMu.Unlock()
	if e != nil {
		e.close()
	}
}

func (e *enrolledIdentity) close() {
	for _, g := range e.gateways {
		_ = g.Close()
	}
}

func (l *Ledger) enrolledOf(c ledger.Caller) (*enrolledIdentity, bool) {
	if c.Name == "" {
		return nil, false
	}
	l.enrolledMu.RLock()
	defer l.enrolledMu.RUnlock()
	e, ok := l.enrolled[c]
	return e, ok
}

// connOf is the caller's conn (route or own peer): configured or enrolled.
func (l *Ledger) connOf(c ledger.Caller) (conn, bool) {
	// A configured identity, named (e.g. a client-signing one) or not, first.
	if cn, ok := l.conns[c]; ok || c.Name == "" {
		return cn, ok
	}
	if e, ok := l.enrolledOf(c); ok {
		return e.conn, true
	}
	return nil, false
}

// viaOf is the caller's conns through every configured peer.
func (l *Ledger) viaOf(c ledger.Caller) map[string]conn {
	if v, ok := l.via[c]; ok || c.Name == "" {
		return v
	}
	if e, ok := l.enrolledOf(c); ok {
		return e.via
	}
	return nil
}

// allVia lists the via maps of every identity, configured and enrolled.
func (l *Ledger) allVia() []map[string]conn {
	out := make([]map[string]conn, 0, len(l.via))
	for _, m := range l.via {
		out = append(out, m)
	}
	l.enrolledMu.RLock()
	for _, e := range l.enrolled {
		out = append(out, e.via)
	}
	l.enrolledMu.RUnlock()
	return out
}
