package fabric

import (
	"crypto/x509"
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
	// cert is set when the identity signs on the client (added without a key).
	cert *x509.Certificate
}

// AddIdentity makes an identity enrolled at runtime usable at once: caller.Name must be set
// (it tells the identity apart from the org's configured identity of the same role). It
// signs with keyPEM (PKCS#8 or SEC 1) and connects through hops (the own peer first, then
// the fallbacks; names of configured peers). Adding a name again replaces its conns.
// Without keyPEM the identity signs on the client, as a configured `signing: client` one:
// its connections have no signer, SigningCertificate knows its certificate, and the
// gateway's own reads and commit-status requests for it are signed by a server-signed
// identity of its org (else any).
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
	id := config.Identity{Org: caller.Org, Role: caller.Role, Name: caller.Name, MSPID: mspID}
	s := &signer{id: id, xid: xid}
	e := &enrolledIdentity{via: map[string]conn{}}
	var reader map[string]conn
	if len(keyPEM) == 0 {
		s.cert, e.cert = cert, cert
		if reader = l.readerFor(id); reader == nil {
			return fmt.Errorf("identity %s/%s: signs on the client, but no server-signed identity is configured to read for it", caller.Org, caller.Name)
		}
	} else {
		key, err := identity.PrivateKeyFromPEM(keyPEM)
		if err != nil {
			return fmt.Errorf("identity %s/%s: key: %w", caller.Org, caller.Name, err)
		}
		if s.sign, err = identity.NewPrivateKeySign(key); err != nil {
			return fmt.Errorf("identity %s/%s: key: %w", caller.Org, caller.Name, err)
		}
	}
	for _, p := range l.cfg.Peers {
		gc, err := connectVia(l.cfg, s, p.Name, l.byName[p.Name], l.obs)
		if err != nil {
			e.close()
			return err
		}
		gc.log = l.log
		if r, ok := reader[p.Name].(*gatewayConn); ok {
			gc.reader = r
		}
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
