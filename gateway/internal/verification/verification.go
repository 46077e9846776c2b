// Package verification keeps the gateway's own verification of the chain:
// from the audit office's peer, with the audit office's identity, it verifies
// every new block with internal/ledgerverify (resuming from a checkpoint kept
// in the data directory), then compares the verified head with every peer.
// GET /api/v1/ledger/verification reports the last run; POST runs one now.
//
// This is a convenience for auditors who use the gateway. It proves nothing
// about the gateway itself: an auditor who does not trust the gateway runs
// govchain-audit verify on a machine of their own, which does the same checks.
package verification

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/govchain/govchain/internal/ledgerfetch"
	"github.com/govchain/govchain/internal/ledgerverify"
)

// Statuses of a Report.
const (
	StatusPending  = "PENDING"  // no run has finished yet
	StatusVerified = "VERIFIED" // every block up to VerifiedHeight verified, no peer disagrees
	StatusFault    = "FAULT"    // a block failed a check, or a peer holds a different block
)

// FaultPeerDivergence is the fault kind of a peer whose block differs from the verified chain.
const FaultPeerDivergence ledgerverify.FaultKind = "peer-divergence"

// Report is the state of the chain verification.
type Report struct {
	Status string `json:"status"`
	Peer   string `json:"peer"` // the peer the blocks were read from
	// VerifiedHeight is the number of blocks verified from block 0 (the last one is
	// VerifiedHeight-1); LedgerHeight the source peer's height at the last run.
	VerifiedHeight uint64 `json:"verified_height"`
	LedgerHeight   uint64 `json:"ledger_height"`
	HeadHash       string `json:"head_hash,omitempty"` // hex header hash of block VerifiedHeight-1
	// Blocks and Transactions count all verified blocks and valid transactions since block 0;
	// LastRunBlocks those of the last run (0 when nothing was new).
	Blocks        uint64              `json:"blocks"`
	Transactions  uint64              `json:"transactions"`
	LastRunBlocks uint64              `json:"last_run_blocks"`
	Fault         *ledgerverify.Fault `json:"fault"`
	// Error says why the last run could not read the chain; the rest of the report is
	// from the last run that could.
	Error string `json:"error,omitempty"`
	// Running is set while a run is in progress; Progress then tells how far it got
	// (updated every 100 blocks).
	Running    bool                     `json:"running"`
	Progress   *Progress                `json:"progress,omitempty"`
	CheckedAt  *time.Time               `json:"checked_at"`
	DurationMS int64                    `json:"duration_ms"`
	Peers      []ledgerfetch.PeerResult `json:"peers"`
}

// Progress is how far a run in progress got.
type Progress struct {
	Block        uint64 `json:"block"`        // last block verified
	Blocks       uint64 `json:"blocks"`       // blocks verified in this run
	Transactions uint64 `json:"transactions"` // valid transactions verified in this run
}

// state is what survives a restart (data_dir/verification.json).
type state struct {
	Checkpoint   *ledgerverify.Checkpoint `json:"checkpoint"`
	Transactions uint64                   `json:"transactions"`
}

// Config wires a Service.
type Config struct {
	Source   ledgerfetch.Reader   // the audit office's peer, read as the audit office
	Peers    []ledgerfetch.Reader // every peer to compare with (Source included or not)
	State    string               // path of the state file
	Interval time.Duration        // how often Loop runs (default 60 s)
	Logger   *slog.Logger
}

// Service runs verifications one at a time.
type Service struct {
	cfg  Config
	peer string        // the source peer's name
	sem  chan struct{} // one run at a time

	mu     sync.Mutex
	report Report
	st     state
}

// New loads the state file (a missing one starts from block 0).
func New(cfg Config) (*Service, error) {
	if cfg.Interval <= 0 {
		cfg.Interval = time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Service{cfg: cfg, sem: make(chan struct{}, 1)}
	peer, _ := cfg.Source.Name()
	s.peer = peer
	s.report = Report{Status: StatusPending, Peer: peer, Peers: []ledgerfetch.PeerResult{}}
	raw, err := os.ReadFile(cfg.State)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal(raw, &s.st); err != nil {
			return nil, fmt.Errorf("%s: %w", cfg.State, err)
		}
		if cp := s.st.Checkpoint; cp != nil {
			if _, err := ledgerverify.Resume(*cp, ledgerverify.Options{}); err != nil {
				return nil, fmt.Errorf("%s: %w", cfg.State, err)
			}
		}
	}
	return s, nil
}

// Report returns the last report.
func (s *Service) Report() Report {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.report
	r.Peers = append([]ledgerfetch.PeerResult(nil), r.Peers...)
	return r
}

// Run verifies the blocks added since the last verified one and compares the
// head with the peers. A run already in progress is waited for and its report
// returned instead of starting another.
func (s *Service) Run(ctx context.Context) (Report, error) {
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return s.Report(), ctx.Err()
	}
	defer func() { <-s.sem }()
	return s.run(ctx), nil
}

func (s *Service) run(ctx context.Context) Report {
	began := time.Now()
	s.mu.Lock()
	st := s.st
	s.mu.Unlock()

	s.mu.Lock()
	s.report.Running, s.report.Progress = true, nil
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.report.Running, s.report.Progress = false, nil
		s.mu.Unlock()
	}()
	opts := ledgerverify.Options{ProgressEvery: 100, OnProgress: func(p ledgerverify.Progress) {
		s.mu.Lock()
		s.report.Progress = &Progress{Block: p.Block, Blocks: p.Blocks, Transactions: p.Transactions}
		s.mu.Unlock()
	}}
	v := ledgerverify.New(opts)
	if st.Checkpoint != nil {
		var err error
		if v, err = ledgerverify.Resume(*st.Checkpoint, opts); err != nil {
			return s.failed(began, err) // checked at New; only a bug gets here
		}
	}
	run, err := ledgerfetch.Verify(ctx, s.cfg.Source, v, nil)
	if err != nil {
		return s.failed(began, err)
	}
	now := time.Now().UTC()
	r := Report{Peer: s.peer, LedgerHeight: run.Height, LastRunBlocks: run.Stats.Blocks, CheckedAt: &now, Peers: []ledgerfetch.PeerResult{}}
	// Keep what verified, also when a later block did not: the next run starts at the fault.
	if v.Next() > 0 && run.Stats.Blocks > 0 {
		cp := v.Checkpoint()
		st = state{Checkpoint: &cp, Transactions: st.Transactions + run.Stats.Transactions}
		if err := s.save(st); err != nil {
			s.cfg.Logger.Warn("cannot keep the verification checkpoint", "path", s.cfg.State, "error", err)
		}
	}
	if cp := st.Checkpoint; cp != nil {
		r.VerifiedHeight, r.HeadHash = cp.Number+1, fmt.Sprintf("%x", cp.HeaderHash)
	}
	r.Blocks, r.Transactions = r.VerifiedHeight, st.Transactions
	switch {
	case run.Fault != nil:
		r.Status, r.Fault = StatusFault, run.Fault
	case st.Checkpoint == nil: // an empty chain: nothing to verify yet
		r.Status = StatusPending
	default:
		r.Status = StatusVerified
		cp := st.Checkpoint
		hashAt := func(ctx context.Context, n uint64) ([]byte, error) {
			b, _, err := s.cfg.Source.Block(ctx, n)
			if err != nil {
				return nil, err
			}
			return ledgerverify.HeaderHash(b.Header), nil
		}
		r.Peers = ledgerfetch.ComparePeers(ctx, s.cfg.Peers, cp.Number, cp.HeaderHash, hashAt)
		for _, p := range r.Peers {
			if !p.Match && p.Hash != "" {
				r.Status = StatusFault
				r.Fault = &ledgerverify.Fault{Block: p.ComparedBlock, TxIndex: -1, Endorsement: -1, Kind: FaultPeerDivergence,
					Detail: p.Peer + ": " + p.Error}
				break
			}
		}
	}
	r.DurationMS = time.Since(began).Milliseconds()
	s.mu.Lock()
	s.st, s.report = st, r
	s.report.Running = true // until the deferred reset: the run is not over yet
	s.mu.Unlock()
	if r.Fault != nil {
		s.cfg.Logger.Error("chain verification found a fault", "fault", r.Fault.Error())
	} else if r.LastRunBlocks > 0 {
		s.cfg.Logger.Info("chain verified", "height", r.VerifiedHeight, "new_blocks", r.LastRunBlocks, "ms", r.DurationMS)
	}
	return r
}

// failed keeps the last report and says why this run could not read the chain.
func (s *Service) failed(began time.Time, err error) Report {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.report.Error = err.Error()
	s.report.DurationMS = time.Since(began).Milliseconds()
	s.cfg.Logger.Warn("chain verification could not read the chain", "error", err)
	r := s.report
	r.Peers = append([]ledgerfetch.PeerResult(nil), r.Peers...)
	r.Running, r.Progress = false, nil
	return r
}

func (s *Service) save(st state) error {
	raw, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp := s.cfg.State + ".tmp"
	if err := os.MkdirAll(filepath.Dir(tmp), 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, s.cfg.State)
}

// Loop runs a verification at once and then every Interval until ctx ends.
func (s *Service) Loop(ctx context.Context) {
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	for {
		if _, err := s.Run(ctx); err != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
