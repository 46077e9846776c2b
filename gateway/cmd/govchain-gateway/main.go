// Command govchain-gateway serves the govchain REST API over the Fabric network.
//
//	govchain-gateway -config data/gateway.yaml
//	govchain-gateway -config data/gateway.yaml -check   # validate the configuration and exit
//
// The configuration file (YAML) is described in gateway/internal/config; relative paths in
// it are relative to the file's directory. Environment variables GOVCHAIN_GATEWAY_* override
// some keys (see -help).
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/govchain/govchain/gateway/internal/config"
	"github.com/govchain/govchain/gateway/internal/fabric"
	"github.com/govchain/govchain/gateway/internal/httpapi"
	"github.com/govchain/govchain/gateway/internal/idempotency"
	"github.com/govchain/govchain/gateway/internal/identities"
	"github.com/govchain/govchain/gateway/internal/index"
	"github.com/govchain/govchain/gateway/internal/index/sqlstore"
	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/gateway/internal/metrics"
	"github.com/govchain/govchain/gateway/internal/ratelimit"
	"github.com/govchain/govchain/gateway/internal/txstore"
	"github.com/govchain/govchain/gateway/internal/verification"
	"github.com/govchain/govchain/internal/chanconfig"
	"github.com/govchain/govchain/internal/ledgerfetch"
	"github.com/govchain/govchain/internal/licenceimg"
	bolt "go.etcd.io/bbolt"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "govchain-gateway:", err)
		os.Exit(1)
	}
}

func run() error {
	defaultConfig := "data/gateway.yaml"
	if v := os.Getenv("GOVCHAIN_GATEWAY_CONFIG"); v != "" {
		defaultConfig = v
	}
	configPath := flag.String("config", defaultConfig, "configuration file (YAML); env GOVCHAIN_GATEWAY_CONFIG")
	check := flag.Bool("check", false, "validate the configuration (files included) and exit")
	rebuildIndex := flag.Bool("rebuild-index", false, "empty the searchable index and rebuild it from block 0 (in the background, while serving)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: govchain-gateway [-config file] [-check] [-rebuild-index]\n\n")
		flag.PrintDefaults()
		fmt.Fprintf(flag.CommandLine.Output(), "\nEnvironment overrides:\n  %s\n", strings.Join(config.EnvOverrides, "\n  "))
	}
	flag.Parse()

	cfg, err := config.Load(*configPath, os.LookupEnv)
	if err != nil {
		return err
	}
	if *check {
		fmt.Printf("config %s: OK (%d peers, %d identities, %d API keys; listen %s; data %s)\n",
			*configPath, len(cfg.Peers), len(cfg.Identities), len(cfg.APIKeys), cfg.Listen, cfg.DBPath())
		return nil
	}
	level, _ := config.ParseLogLevel(cfg.LogLevel)
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(log)

	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data_dir: %w", err)
	}
	db, err := bolt.Open(cfg.DBPath(), 0o600, &bolt.Options{
		Timeout: 2 * time.Second,
		// Rebuild the freelist on open instead of writing it on every commit (each write commits twice).
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
	})
	if err != nil {
		return fmt.Errorf("open %s (is another gateway using it?): %w", cfg.DBPath(), err)
	}
	defer db.Close()
	// Writes journal each transaction twice on the request path through bbolt's batched
	// updates; the default 10 ms batch window added ~20 ms to every lone write (measured,
	// docs/benchmark.md). 1 ms still coalesces concurrent writes into one fsync.
	db.MaxBatchDelay = time.Millisecond
	txs, err := txstore.New(db)
	if err != nil {
		return err
	}
	idem, err := idempotency.New(db, cfg.IdempotencyTTL)
	if err != nil {
		return err
	}

	fpKey, err := fingerprintKey(filepath.Join(cfg.DataDir, "fingerprint.key"))
	if err != nil {
		return err
	}
	m := metrics.New()
	l, err := fabric.New(cfg, txs, fabric.WithLogger(log), fabric.WithObserver(m))
	if err != nil {
		return err
	}
	defer l.Close()
	ids, err := identityService(cfg, db, l, log)
	if err != nil {
		return err
	}
	if err := l.Start(cfg.IdempotencyTTL); err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	verifier, closeVerifier, err := chainVerification(cfg, l, log)
	if err != nil {
		return err
	}
	defer closeVerifier()

	var chainCheck httpapi.Verification // a nil *Service must stay a nil interface
	if verifier != nil {
		chainCheck = verifier
	}
	ix, stopIndex := startIndex(ctx, log, cfg, l, *rebuildIndex)
	defer stopIndex()
	if ix != nil {
		m.WatchIndex(func() (uint64, uint64, error) {
			pctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			p, err := ix.Position(pctx)
			return p.Height, p.Behind, err
		})
	}

	renderer, err := licenceRenderer(cfg, log)
	if err != nil {
		return err
	}
	api := httpapi.New(httpapi.Config{
		Ledger:         l,
		Verification:   chainCheck,
		Index:          ix,
		Idempotency:    idem,
		Keys:           principals(cfg),
		Identities:     ids,
		Metrics:        m,
		Logger:         log,
		MaxJSONBytes:   cfg.Limits.MaxJSONBytes,
		MaxUploadBytes: cfg.Limits.MaxUploadBytes,
		RequestTimeout: cfg.Timeouts.Request,
		SigningTimeout: cfg.Timeouts.Signing,
		CORSOrigins:    cfg.CORSOrigins,
		FingerprintKey: fpKey,
		VerifyCaller:   verifyCaller(cfg, log),
		VerifyLimiter: ratelimit.New(ratelimit.Config{PerMinute: float64(cfg.Licence.VerifyRatePerMinute),
			Burst: cfg.Licence.VerifyBurst}),
		TrustedProxies:   cfg.TrustedProxies,
		LicenceRenderer:  renderer,
		LicencePublicURL: cfg.Licence.PublicURL,
	})
	srv := &http.Server{
		Addr:              cfg.Listen,
		Handler:           api.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		// The request line and headers (method, URL, API key, Idempotency-Key…) need a few
		// KiB; Go's default lets a client send 1 MiB of them with every request.
		MaxHeaderBytes: 64 << 10,
		ReadTimeout:    cfg.Timeouts.Request,
		WriteTimeout:   cfg.Timeouts.WriteDeadline + 30*time.Second, // event streams extend their own
		IdleTimeout:    2 * time.Minute,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(api.CloseStreams)

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.Listen, err)
	}
	go janitor(ctx, log, idem)
	if verifier != nil {
		go verifier.Loop(ctx)
	}
	if cfg.DebugListen != "" {
		if err := serveDebug(ctx, log, cfg.DebugListen); err != nil {
			return err
		}
	}

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info("gateway listening", "listen", ln.Addr().String(), "channel", cfg.Channel, "chaincode", cfg.Chaincode,
		"peers", len(cfg.Peers), "identities", len(cfg.Identities), "api_keys", len(cfg.APIKeys))

	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests", "timeout", cfg.Timeouts.Shutdown.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.Timeouts.Shutdown)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("shutdown did not finish every request", "error", err)
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// chainVerification sets up the gateway's verification of the chain, read from the audit
// office's own peer with its identity (the auditor role when there is one) and compared
// with every peer, through the Ledger's own connection to each peer. Without an audit office identity it is off (nil).
func chainVerification(cfg *config.Config, l *fabric.Ledger, log *slog.Logger) (*verification.Service, func(), error) {
	var id config.Identity
	found := false
	for _, i := range cfg.Identities {
		if i.Org == "audit" && (!found || i.Role == "auditor") {
			id, found = i, true
		}
	}
	if !found {
		log.Warn("no identity of the audit office: chain verification is off")
		return nil, func() {}, nil
	}
	var sources []*ledgerfetch.Source
	closeAll := func() {
		for _, s := range sources {
			s.Close()
		}
	}
	var own ledgerfetch.Reader
	var peers []ledgerfetch.Reader
	for _, p := range cfg.Peers {
		cc, ok := l.PeerConn(p.Name)
		if !ok {
			closeAll()
			return nil, nil, fmt.Errorf("chain verification: no connection to peer %s", p.Name)
		}
		src, err := ledgerfetch.Over(cc, cfg.Channel, id, p, cfg.Timeouts.Evaluate)
		if err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("chain verification, peer %s: %w", p.Name, err)
		}
		sources = append(sources, src)
		peers = append(peers, src)
		if p.Name == id.Home() {
			own = src
		}
	}
	if own == nil {
		closeAll()
		return nil, nil, fmt.Errorf("chain verification: identity %s/%s has no peer %q", id.Org, id.Role, id.Home())
	}
	svc, err := verification.New(verification.Config{Source: own, Peers: peers,
		State: filepath.Join(cfg.DataDir, "verification.json"), Interval: cfg.VerificationInterval, Logger: log})
	if err != nil {
		closeAll()
		return nil, nil, fmt.Errorf("chain verification: %w", err)
	}
	return svc, closeAll, nil
}

// startIndex opens the searchable index and follows the ledger into it until ctx ends; stop
// waits for the follower and closes the database. An index that cannot be opened is logged
// and left out (its routes answer 503): the index never keeps the gateway from serving.
func startIndex(ctx context.Context, log *slog.Logger, cfg *config.Config, l *fabric.Ledger, rebuild bool) (httpapi.Index, func()) {
	if cfg.Index.Driver == config.IndexNone {
		log.Info("index: disabled (index.driver: none)")
		return nil, func() {}
	}
	octx, cancel := context.WithTimeout(ctx, 30*time.Second)
	store, err := sqlstore.Open(octx, cfg.Index.Driver, cfg.IndexDSN())
	cancel()
	if err != nil {
		log.Error("index: cannot open the database; serving without the index", "driver", cfg.Index.Driver, "error", err)
		return nil, func() {}
	}
	org, role := cfg.IndexCaller()
	src, err := l.BlockSource(ledger.Caller{Org: org, Role: role})
	if err != nil {
		store.Close()
		log.Error("index: no block source; serving without the index", "error", err)
		return nil, func() {}
	}
	orgs := map[string]string{}
	for _, id := range cfg.Identities {
		orgs[id.MSPID] = id.Org
	}
	svc := index.New(store, src, index.Options{Logger: log, Orgs: orgs,
		Scratch: func(ctx context.Context) (index.Store, error) { return sqlstore.OpenMemory(ctx) }})
	if rebuild {
		svc.Rebuild()
	}
	rctx, cancelRun := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		svc.Run(rctx)
	}()
	log.Info("index: open", "driver", cfg.Index.Driver, "identity", org+"/"+role, "rebuild", rebuild)
	return svc, func() {
		cancelRun()
		<-done
		store.Close()
	}
}

// identityService opens the identities enrolled through the orgs' CAs (cas[]) and makes the
// ACTIVE ones usable again, before the ledger resumes pending transactions (some may be
// theirs). The channel CRL hook is not wired here yet: revocations answer
// "channel_crl": "pending".
func identityService(cfg *config.Config, db *bolt.DB, l *fabric.Ledger, log *slog.Logger) (*identities.Service, error) {
	orgs := map[string]identities.Org{}
	for _, org := range config.Orgs {
		admin, ok := cfg.Identity(org, "admin")
		if !ok {
			continue
		}
		o := identities.Org{MSPID: admin.MSPID, Route: admin.Route()}
		if ca, ok := cfg.CA(org); ok {
			cl, err := identities.NewCAClient(ca)
			if err != nil {
				return nil, err
			}
			o.CA = cl
		}
		orgs[org] = o
	}
	// A revocation's CRL goes into the org's MSP in the channel configuration, so that the
	// peers refuse the certificate too; without orderers in the config it stays "pending".
	var channelCRL identities.ChannelCRL
	if u, err := chanconfig.NewCRLUpdater(&cfg.File); err != nil {
		log.Warn("revoked certificates will not be published to the channel configuration", "error", err)
	} else {
		u.Logf = func(format string, args ...any) { log.Info(fmt.Sprintf(format, args...)) }
		channelCRL = identities.ChannelCRLFunc(u.PublishCRL)
	}
	svc, err := identities.New(identities.Config{DB: db, Orgs: orgs, Ledger: l, Logger: log, ChannelCRL: channelCRL})
	if err != nil {
		return nil, err
	}
	return svc, svc.Load()
}

// verifyCaller is the identity the public licence verification evaluates with
// (licence.verify_identity, validated at load, or its default); nil: the route answers 503.
func verifyCaller(cfg *config.Config, log *slog.Logger) *ledger.Caller {
	id, ok := cfg.VerifyIdentity()
	if !ok {
		log.Warn("public licence verification disabled: no server-signing identity to answer it with (licence.verify_identity)")
		return nil
	}
	log.Info("public licence verification", "identity", id.Label(), "rate_per_minute", cfg.Licence.VerifyRatePerMinute,
		"burst", cfg.Licence.VerifyBurst, "trusted_proxies", len(cfg.TrustedProxies))
	return &ledger.Caller{Org: id.Org, Role: id.Role, Name: id.Name}
}

// principals maps every API key hash to its org, role and MSP.
func principals(cfg *config.Config) map[string]httpapi.Principal {
	out := make(map[string]httpapi.Principal, len(cfg.APIKeys))
	for _, k := range cfg.APIKeys {
		id, _ := cfg.NamedIdentity(k.Org, k.Role, k.Identity) // validated at load
		out[strings.ToLower(k.SHA256)] = httpapi.Principal{Org: k.Org, Role: k.Role, Name: k.Identity, MSPID: id.MSPID, KeyHash: k.SHA256,
			ClientSigned: id.ClientSigned()}
	}
	return out
}

// janitor forgets expired idempotency keys every hour.
func janitor(ctx context.Context, log *slog.Logger, idem *idempotency.Store) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := idem.DeleteExpired(); err != nil {
			log.Warn("cannot delete expired idempotency keys", "error", err)
		} else if n > 0 {
			log.Info("deleted expired idempotency keys", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// serveDebug serves Go's pprof endpoints on their own loopback listener until ctx ends.
func serveDebug(ctx context.Context, log *slog.Logger, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("debug_listen %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	go srv.Serve(ln)
	log.Info("pprof listening", "debug_listen", ln.Addr().String())
	return nil
}

// fingerprintKey reads the key that hashes personal input in idempotency fingerprints, or
// draws and keeps one (0600) on first start, so fingerprints survive restarts.
func fingerprintKey(path string) ([]byte, error) {
	if b, err := os.ReadFile(path); err == nil && len(b) == 32 {
		return b, nil
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("fingerprint key: %w", err)
	}
	return b, nil
}

// licenceRenderer loads the CJK font licence images are drawn with. A configured
// licence.font_file that cannot draw Chinese stops the start; without one, a missing font
// only disables ?format=png (503 LICENCE_IMAGE_UNAVAILABLE), with a warning.
func licenceRenderer(cfg *config.Config, log *slog.Logger) (httpapi.LicenceRenderer, error) {
	r, err := licenceimg.New(cfg.Licence.FontFile)
	if err != nil {
		if cfg.Licence.FontFile != "" {
			return nil, fmt.Errorf("licence.font_file: %w", err)
		}
		log.Warn("licence images are unavailable: no CJK font", "err", err)
		return nil, nil
	}
	log.Info("licence images", "font", r.FontPath())
	// ~0.1 s of CPU per drawing, ~200 KiB per image: the last 64 are kept.
	return licenceimg.NewCache(r, 64), nil
}
