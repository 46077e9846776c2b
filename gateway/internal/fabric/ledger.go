package fabric

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/govchain/govchain/gateway/internal/config"
	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/gateway/internal/txstore"
	"google.golang.org/grpc"
	"google.golang.org/grpc/connectivity"
)

// Ledger implements ledger.Ledger over the configured peers and identities.
type Ledger struct {
	cfg      *config.Config
	log      *slog.Logger
	obs      observer
	dialOpts []grpc.DialOption
	store    store
	peers    []*grpc.ClientConn
	gateways []interface{ Close() error }
	conns    map[ledger.Caller]conn // each identity's conn: its route, or its own peer
	// home holds each identity's conn through its own peer only (confined calls, Ready).
	home   map[ledger.Caller]conn
	health *health
	// via holds each identity's conn through every configured peer, for calls confined to
	// other orgs' peers (Call.Orgs); peerOrg maps peer names to MSP IDs.
	via     map[ledger.Caller]map[string]conn
	peerOrg map[string]string
	// byName is each configured peer's shared connection.
	byName map[string]*grpc.ClientConn
	// enrolled holds the identities added at runtime (AddIdentity), apart from the fixed maps
	// above, which are never written after New.
	enrolledMu sync.RWMutex
	enrolled   map[ledger.Caller]*enrolledIdentity
	// clientCerts holds the certificates of the identities that sign on the client.
	clientCerts map[ledger.Caller]*x509.Certificate
	sub         *submitter
	worker      *worker
	stopJan     context.CancelFunc
	// reconnectPause is the first pause before an event stream reconnects.
	reconnectPause time.Duration
}

var _ ledger.Ledger = (*Ledger)(nil)

// Store is what the Ledger persists transactions in (a *txstore.Store).
type Store interface {
	store
	DeleteFinalBefore(t time.Time) (int, error)
}

// New connects to every configured peer (one shared gRPC connection each) and every
// identity (one fabric-gateway connection each, through its peer's connection). Connections
// are lazy: New succeeds while peers are still down. Call Start before serving requests.
func New(cfg *config.Config, st Store, opts ...Option) (*Ledger, error) {
	l := &Ledger{cfg: cfg, log: slog.Default(), store: st, conns: map[ledger.Caller]conn{},
		home: map[ledger.Caller]conn{}, via: map[ledger.Caller]map[string]conn{}, peerOrg: map[string]string{},
		clientCerts: map[ledger.Caller]*x509.Certificate{}}
	for _, o := range opts {
		o(l)
	}
	l.health = newHealth(l.log)
	byName := map[string]*grpc.ClientConn{}
	l.byName = byName
	for _, p := range cfg.Peers {
		cc, err := dialPeer(p, l.dialOpts)
		if err != nil {
			l.Close()
			return nil, err
		}
		l.peers = append(l.peers, cc)
		byName[p.Name] = cc
	}
	for _, p := range cfg.Peers {
		l.peerOrg[p.Name] = p.MSPID
	}
	// Server-signed identities first: a client-signed identity's reads go through one of
	// them (its reader).
	ids := slices.Clone(cfg.Identities)
	slices.SortStableFunc(ids, func(a, b config.Identity) int {
		switch {
		case a.ClientSigned() == b.ClientSigned():
			return 0
		case b.ClientSigned():
			return -1
		}
		return 1
	})
	for _, id := range ids {
		if _, ok := byName[id.Home()]; !ok {
			l.Close()
			return nil, fmt.Errorf("identity %s: unknown peer %q", id.Label(), id.Home())
		}
		s, err := loadSigner(id)
		if err != nil {
			l.Close()
			return nil, err
		}
		caller := ledger.Caller{Org: id.Org, Role: id.Role, Name: id.Name}
		var reader map[string]conn
		if s.sign == nil {
			l.clientCerts[caller] = s.cert
			reader = l.readerFor(id)
		}
		l.via[caller] = map[string]conn{}
		for _, p := range cfg.Peers {
			gc, err := connectVia(cfg, s, p.Name, byName[p.Name], l.obs)
			if err != nil {
				l.Close()
				return nil, err
			}
			gc.log = l.log
			if r, ok := reader[p.Name].(*gatewayConn); ok {
				gc.reader = r
			}
			l.gateways = append(l.gateways, gc.gw)
			l.via[caller][p.Name] = gc
			if p.Name == id.Home() {
				l.home[caller] = gc
			}
		}
		l.conns[caller] = l.home[caller]
		if r := id.Route(); len(r) > 1 {
			hops := make([]conn, 0, len(r))
			for _, name := range r {
				hops = append(hops, l.via[caller][name])
			}
			l.conns[caller] = &route{hops: hops, health: l.health}
		}
	}
	l.init(st)
	l.health.state = func(peer string) (connectivity.State, bool) {
		cc, ok := byName[peer]
		if !ok {
			return 0, false
		}
		return cc.GetState(), true
	}
	l.health.want = l.sub.fence.height.Load
	return l, nil
}

// readerFor picks the conns (by peer) whose identity signs the gateway's own reads for a
// client-signed identity: a server-signed identity of the same org, else any.
func (l *Ledger) readerFor(id config.Identity) map[string]conn {
	var fallback map[string]conn
	for _, o := range l.cfg.Identities {
		if o.ClientSigned() {
			continue
		}
		c := ledger.Caller{Org: o.Org, Role: o.Role, Name: o.Name}
		if o.Org == id.Org && l.via[c] != nil {
			return l.via[c]
		}
		if fallback == nil {
			fallback = l.via[c]
		}
	}
	return fallback
}

// init builds the submit logic and the worker over l.conns.
func (l *Ledger) init(st store) {
	t := l.cfg.Timeouts
	l.sub = newSubmitter(policy{
		MaxAttempts:     l.cfg.Retry.MaxAttempts,
		InitialBackoff:  l.cfg.Retry.InitialBackoff,
		MaxBackoff:      l.cfg.Retry.MaxBackoff,
		Endorse:         t.Endorse,
		Submit:          t.Submit,
		CommitStatus:    t.CommitStatus,
		Lookup:          t.Evaluate,
		PendingDeadline: t.PendingDeadline,
	}, st, l.obs, l.log)
	l.sub.peersOf = l.peersOf
	l.worker = newWorker(l.sub, l.recordConn, l.log)
	if l.health == nil {
		l.health = newHealth(l.log)
	}
	l.reconnectPause = time.Second
}

// Start resumes the transactions a previous run left PENDING and starts the janitor that
// forgets final transaction records after retention.
func (l *Ledger) Start(retention time.Duration) error {
	if err := l.worker.resume(); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	l.stopJan = cancel
	go l.janitor(ctx, retention)
	return nil
}

func (l *Ledger) janitor(ctx context.Context, retention time.Duration) {
	st, ok := l.store.(Store)
	if !ok {
		return
	}
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := st.DeleteFinalBefore(time.Now().Add(-retention)); err != nil {
			l.log.Warn("cannot delete old transaction records", "error", err)
		} else if n > 0 {
			l.log.Info("deleted old transaction records", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Close stops the worker (unfinished transactions stay PENDING for the next run) and closes
// every connection.
func (l *Ledger) Close() error {
	if l.stopJan != nil {
		l.stopJan()
	}
	if l.worker != nil {
		l.worker.stop(l.cfg.Timeouts.Shutdown)
	}
	for _, g := range l.gateways {
		_ = g.Close()
	}
	l.enrolledMu.Lock()
	for c, e := range l.enrolled {
		e.close()
		delete(l.enrolled, c)
	}
	l.enrolledMu.Unlock()
	var errs []error
	for _, cc := range l.peers {
		errs = append(errs, cc.Close())
	}
	return errors.Join(errs...)
}

// peersOf lists c and the conns of c's identity through every other configured peer.
func (l *Ledger) peersOf(c conn) []conn {
	if r, ok := c.(*route); ok {
		c = r.hops[0]
	}
	out := []conn{c}
	for _, byPeer := range l.allVia() {
		if byPeer[c.peer()] != c {
			continue
		}
		for _, p := range l.cfg.Peers {
			if o, ok := byPeer[p.Name]; ok && o != c {
				out = append(out, o)
			}
		}
		break
	}
	return out
}

// recordConn is the conn through which the worker drives a stored transaction: the one
// its call was confined to, if it was.
func (l *Ledger) recordConn(rec *txstore.Record) (conn, bool) {
	c, err := l.connFor(ledger.Call{Caller: ledger.Caller{Org: rec.Org, Role: rec.Role, Name: rec.Name}, Orgs: rec.Orgs})
	return c, err == nil
}

// connFor returns the conn a call goes through: the caller's route (own peer first, then
// its fallbacks), or for a call confined to orgs the caller's conn through a peer of the
// first of them that has one configured: never a route, never a peer of another org (that
// peer down: the call fails, KindUnavailable).
func (l *Ledger) connFor(call ledger.Call) (conn, error) {
	if len(call.Orgs) == 0 {
		return l.mustConn(call.Caller)
	}
	if home, ok := l.homeConn(call.Caller); ok && slices.Contains(call.Orgs, l.peerOrg[home.peer()]) {
		return home, nil
	}
	for _, org := range call.Orgs {
		for _, p := range l.cfg.Peers {
			if p.MSPID != org {
				continue
			}
			if c, ok := l.viaOf(call.Caller)[p.Name]; ok {
				return c, nil
			}
		}
	}
	if _, ok := l.connOf(call.Caller); !ok {
		return l.mustConn(call.Caller)
	}
	return nil, &ledger.Error{Kind: ledger.KindUnavailable, Message: "no peer of " + strings.Join(call.Orgs, " or ") + " is configured; the request cannot be served elsewhere"}
}

// homeConn is the caller's conn through its own peer only, never a route.
func (l *Ledger) homeConn(c ledger.Caller) (conn, bool) {
	if h, ok := l.home[c]; ok {
		return h, true
	}
	if e, ok := l.enrolledOf(c); ok {
		return e.home, true
	}
	cn, ok := l.conns[c]
	if r, isRoute := cn.(*route); isRoute {
		return r.hops[0], true
	}
	return cn, ok
}

func (l *Ledger) mustConn(c ledger.Caller) (conn, error) {
	cn, ok := l.connOf(c)
	if !ok && c.Name != "" {
		// An enrolled identity revoked (or never added): it may no longer sign anything.
		return nil, &ledger.Error{Kind: ledger.KindContract, Code: "FORBIDDEN", Message: "the identity " + c.Org + "/" + c.Name + " is revoked or unknown"}
	}
	if !ok {
		return nil, &ledger.Error{Kind: ledger.KindInternal, Message: "internal error", Err: fmt.Errorf("no identity configured for %s", c.Label())}
	}
	return cn, nil
}

// Evaluate implements ledger.Ledger.
func (l *Ledger) Evaluate(ctx context.Context, call ledger.Call) ([]byte, error) {
	c, err := l.connFor(call)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, l.cfg.Timeouts.Evaluate)
	defer cancel()
	if l.sub.fence.awaitRead(ctx, c) {
		l.obs.retry("read-your-writes-wait")
	}
	res, err := c.evaluate(ctx, call)
	if err != nil && l.sub.fence.retry(ctx, []conn{c}, err) {
		l.log.Info("peer was behind this gateway's writes; querying again", "peer", c.peer())
		l.obs.retry("read-your-writes")
		res, err = c.evaluate(ctx, call)
	}
	return res, err
}

// Submit implements ledger.Ledger. Once started, a write is not abandoned when the client
// goes away: it runs to its own deadline (timeouts.write_deadline); if that passes before the
// commit is known, the worker takes the transaction over and the error is KindTimeout.
func (l *Ledger) Submit(ctx context.Context, call ledger.Call, hooks ...ledger.PreparedHook) (*ledger.Committed, error) {
	c, err := l.connFor(call)
	if err != nil {
		return nil, err
	}
	ctx = context.WithoutCancel(ctx)
	deadline := l.sub.now().Add(l.cfg.Timeouts.WriteDeadline)
	committed, rec, err := l.sub.write(ctx, c, call, deadline, hooks)
	if err != nil && rec != nil && !rec.IsFinal() {
		l.worker.adopt(rec)
	}
	return committed, err
}

// SubmitAsync implements ledger.Ledger.
func (l *Ledger) SubmitAsync(ctx context.Context, call ledger.Call, hooks ...ledger.PreparedHook) (string, error) {
	if len(call.Transient) > 0 {
		// The worker could not endorse it again after a restart: transient data is never kept.
		return "", &ledger.Error{Kind: ledger.KindInternal, Message: "internal error", Err: fmt.Errorf("%s carries transient data and cannot be submitted asynchronously", call.Name())}
	}
	c, err := l.connFor(call)
	if err != nil {
		return "", err
	}
	ctx = context.WithoutCancel(ctx)
	deadline := l.sub.now().Add(l.cfg.Timeouts.PendingDeadline)
	rec, err := l.sub.prepare(ctx, c, call, 1, nil, deadline, hooks)
	if err != nil {
		return "", err
	}
	l.worker.adopt(rec)
	return rec.TxID, nil
}

// Transaction implements ledger.Ledger: PENDING while this gateway still drives the
// transaction, otherwise the ledger's facts (qscc), completed with what this gateway recorded
// (result, retries); a transaction the ledger never received reports this gateway's final
// status (EXPIRED, FAILED).
func (l *Ledger) Transaction(ctx context.Context, caller ledger.Caller, txID string) (*ledger.Transaction, error) {
	rec, found, err := l.store.Get(txID)
	if err != nil {
		return nil, &ledger.Error{Kind: ledger.KindInternal, Message: "internal error", Err: err}
	}
	if found && !rec.IsFinal() {
		return recordView(rec, l.cfg.Chaincode), nil
	}
	c, err := l.mustConn(caller)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*l.cfg.Timeouts.Evaluate)
	defer cancel()
	var block *uint64 // known for the transactions this gateway saw committed
	if found {
		if n, ok := committedBlock(rec); ok {
			block = &n
		}
	}
	tx, err := c.transaction(ctx, txID, block)
	if err != nil && found {
		// Never received by the ledger (EXPIRED, FAILED), or the ledger cannot be asked
		// right now: what this gateway recorded is still true.
		if le, ok := ledger.AsError(err); !ok || le.Kind != ledger.KindNotFound {
			l.log.Warn("ledger facts unavailable; answering from the gateway's record", "tx_id", txID, "error", err)
		}
		return recordView(rec, l.cfg.Chaincode), nil
	}
	if err != nil {
		return nil, err
	}
	if found {
		if tx.Status == ledger.StatusValid {
			tx.Result = jsonOrNil(rec.Result)
		}
		tx.SupersededBy = rec.SupersededBy
		tx.Message = rec.Message
		at := rec.CreatedAt
		tx.SubmittedAt = &at
	}
	return tx, nil
}

// committedBlock is the block of a final record whose transaction reached the ledger.
func committedBlock(rec *txstore.Record) (uint64, bool) {
	if !rec.IsFinal() || rec.Status == ledger.StatusExpired || rec.Status == ledger.StatusFailed || rec.BlockNumber == 0 {
		return 0, false
	}
	return rec.BlockNumber, true
}

// recordView is what this gateway knows of a transaction from its own records.
func recordView(rec *txstore.Record, chaincode string) *ledger.Transaction {
	at := rec.CreatedAt
	tx := &ledger.Transaction{
		TransactionID: rec.TxID,
		Status:        rec.Status,
		Chaincode:     chaincode,
		Function:      ledger.Call{Contract: rec.Contract, Function: rec.Function}.Name(),
		SupersededBy:  rec.SupersededBy,
		Message:       rec.Message,
		SubmittedAt:   &at,
	}
	if rec.Status == ledger.StatusValid {
		tx.Result = jsonOrNil(rec.Result)
	}
	if rec.IsFinal() && rec.Status != ledger.StatusExpired && rec.Status != ledger.StatusFailed {
		code, block := rec.Code, rec.BlockNumber
		tx.ValidationCode, tx.BlockNumber = &code, &block
	}
	return tx
}

// PeerConn is the gateway's shared connection to a configured peer (TLS, keepalive,
// reconnect backoff, message size for whole blocks), for other readers of that peer, such
// as the chain verification. The Ledger closes it.
func (l *Ledger) PeerConn(name string) (grpc.ClientConnInterface, bool) {
	cc, ok := l.byName[name]
	return cc, ok
}
