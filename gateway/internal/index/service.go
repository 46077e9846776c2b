package index

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Service follows the ledger into the Store and answers queries from it. A Service whose
// database or source is down answers from what it has and says how far behind it is; it
// never stands in the way of a write (it only reads blocks).
type Service struct {
	store   Store
	src     Source
	log     *slog.Logger
	orgs    map[string]string // MSP ID → org name
	poll    time.Duration
	scratch func(context.Context) (Store, error)
	now     func() time.Time

	mu           sync.Mutex
	ledgerHeight uint64
	checkedAt    time.Time // when the ledger's height was last read
	following    bool
	lastErr      string
	rebuild      bool // a rebuild is asked for: the follower resets the store first
	rebuilding   bool // reset done, not yet back at the ledger's height
	cancelStream context.CancelFunc
	lastCheck    *CheckReport
	checking     bool
}

// Options are the Service's optional settings.
type Options struct {
	Logger *slog.Logger
	// Orgs maps MSP IDs to org names (MarketMSP → market) for answers and filters; an MSP ID
	// it lacks is shown lower-cased without its "MSP" suffix.
	Orgs map[string]string
	// PollInterval is how often the ledger's height is read (default 2s).
	PollInterval time.Duration
	// Scratch opens an empty store for the self-check (an in-memory SQLite database).
	Scratch func(context.Context) (Store, error)
}

// New returns a Service over store, following src. Call Run to follow.
func New(store Store, src Source, o Options) *Service {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 2 * time.Second
	}
	return &Service{store: store, src: src, log: o.Logger, orgs: o.Orgs, poll: o.PollInterval, scratch: o.Scratch, now: time.Now}
}

// OrgName is the org name of an MSP ID (MarketMSP → market).
func (s *Service) OrgName(msp string) string {
	if n, ok := s.orgs[msp]; ok {
		return n
	}
	return strings.ToLower(strings.TrimSuffix(msp, "MSP"))
}

// AgencyMSP resolves an agency filter, an org name or an MSP ID (either case), to the MSP
// ID; false when it names no known org.
func (s *Service) AgencyMSP(agency string) (string, bool) {
	for msp, name := range s.orgs {
		if strings.EqualFold(agency, name) || strings.EqualFold(agency, msp) {
			return msp, true
		}
	}
	return "", false
}

// Position is how far the index is: Height blocks indexed of LedgerHeight.
type Position struct {
	Height       uint64 `json:"height"`
	LedgerHeight uint64 `json:"ledger_height"`
	Behind       uint64 `json:"behind"`
}

// Position reads the index's height and the ledger's last known height.
func (s *Service) Position(ctx context.Context) (Position, error) {
	h, err := s.store.Height(ctx)
	if err != nil {
		return Position{}, err
	}
	s.mu.Lock()
	lh := s.ledgerHeight
	s.mu.Unlock()
	if lh < h {
		lh = h
	}
	return Position{Height: h, LedgerHeight: lh, Behind: lh - h}, nil
}

// Status is the index's state.
type Status struct {
	Driver string `json:"driver"`
	Position
	// LastBlockAt is the timestamp of the last block indexed.
	LastBlockAt *time.Time `json:"last_block_at"`
	// CheckedAt is when the ledger's height was last read from the peer.
	CheckedAt *time.Time `json:"checked_at"`
	// Following: the block stream is open.
	Following  bool         `json:"following"`
	Rebuilding bool         `json:"rebuilding"`
	Error      string       `json:"error,omitempty"`
	LastCheck  *CheckReport `json:"last_check,omitempty"`
}

// Status reports the index's state.
func (s *Service) Status(ctx context.Context) (Status, error) {
	pos, err := s.Position(ctx)
	if err != nil {
		return Status{}, err
	}
	st := Status{Driver: s.store.Driver(), Position: pos}
	if t, err := s.store.LastBlockTime(ctx); err == nil && !t.IsZero() {
		st.LastBlockAt = &t
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.checkedAt.IsZero() {
		t := s.checkedAt.UTC()
		st.CheckedAt = &t
	}
	st.Following, st.Error, st.LastCheck = s.following, s.lastErr, s.lastCheck
	if s.rebuilding && s.ledgerHeight > 0 && pos.Behind == 0 {
		s.rebuilding = false
	}
	st.Rebuilding = s.rebuild || s.rebuilding
	return st, nil
}

// Records searches the records.
func (s *Service) Records(ctx context.Context, q RecordQuery) ([]Record, error) {
	return s.store.Records(ctx, q)
}

// Transactions lists transactions.
func (s *Service) Transactions(ctx context.Context, q TxQuery) ([]Tx, error) {
	return s.store.Transactions(ctx, q)
}

// Stats counts blocks and transactions per bucket and agency.
func (s *Service) Stats(ctx context.Context, q StatsQuery) ([]Bucket, error) {
	return s.store.Stats(ctx, q)
}

// Rebuild makes the follower empty the index and replay the ledger from block 0. It returns
// at once; Status reports rebuilding until the index is back at the ledger's height.
func (s *Service) Rebuild() {
	s.mu.Lock()
	s.rebuild = true
	cancel := s.cancelStream
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// Run follows the ledger until ctx ends: from the checkpoint, block by block, each block
// and the checkpoint in one database transaction; a broken stream or a database error is
// retried from the checkpoint with a growing pause (1s to 30s).
func (s *Service) Run(ctx context.Context) {
	go s.pollHeight(ctx)
	const firstPause = time.Second
	pause := firstPause
	for ctx.Err() == nil {
		if s.takeRebuild(ctx) {
			pause = firstPause
		}
		sctx, cancel := context.WithCancel(ctx)
		s.mu.Lock()
		s.cancelStream = cancel
		rebuildAsked := s.rebuild
		s.mu.Unlock()
		var progressed bool
		var err error
		if !rebuildAsked {
			progressed, err = s.follow(sctx)
		}
		cancel()
		s.mu.Lock()
		s.cancelStream, s.following = nil, false
		rebuildAsked = s.rebuild
		if err != nil {
			s.lastErr = err.Error()
		}
		s.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
		if rebuildAsked {
			continue
		}
		if progressed {
			pause = firstPause
		}
		s.log.Warn("index: block stream ended; resuming from the checkpoint", "error", err, "pause", pause.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, 30*time.Second)
	}
}

// takeRebuild empties the store when a rebuild was asked for.
func (s *Service) takeRebuild(ctx context.Context) bool {
	s.mu.Lock()
	asked := s.rebuild
	s.mu.Unlock()
	if !asked {
		return false
	}
	if err := s.store.Reset(ctx); err != nil {
		s.log.Error("index: cannot reset for a rebuild", "error", err)
		s.mu.Lock()
		s.lastErr = "rebuild: " + err.Error()
		s.mu.Unlock()
		return false
	}
	s.mu.Lock()
	s.rebuild = false
	s.rebuilding = true
	s.mu.Unlock()
	s.log.Info("index: rebuilding from block 0")
	return true
}

// follow indexes blocks from the checkpoint until the stream ends or ctx does.
func (s *Service) follow(ctx context.Context) (progressed bool, err error) {
	h, err := s.store.Height(ctx)
	if err != nil {
		return false, fmt.Errorf("read checkpoint: %w", err)
	}
	blocks, errc, err := s.src.Blocks(ctx, h)
	if err != nil {
		return false, fmt.Errorf("open block stream at %d: %w", h, err)
	}
	s.mu.Lock()
	s.following, s.lastErr = true, ""
	s.mu.Unlock()
	s.log.Info("index: following the ledger", "from_block", h)
	for b := range blocks {
		if err := s.store.Apply(ctx, b); err != nil {
			return progressed, fmt.Errorf("index block %d: %w", b.Number, err)
		}
		progressed = true
		s.mu.Lock()
		if b.Number+1 > s.ledgerHeight {
			s.ledgerHeight = b.Number + 1
		}
		s.mu.Unlock()
	}
	select {
	case err = <-errc:
	default:
	}
	if err == nil && ctx.Err() == nil {
		err = errors.New("stream closed")
	}
	return progressed, err
}

// pollHeight reads the ledger's height every poll interval.
func (s *Service) pollHeight(ctx context.Context) {
	t := time.NewTicker(s.poll)
	defer t.Stop()
	for {
		hctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		h, err := s.src.Height(hctx)
		cancel()
		if err == nil {
			s.mu.Lock()
			if h > s.ledgerHeight {
				s.ledgerHeight = h
			}
			s.checkedAt = s.now()
			s.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
