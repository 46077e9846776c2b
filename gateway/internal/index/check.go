package index

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"
)

// ErrCheckRunning refuses a self-check while another runs.
var ErrCheckRunning = errors.New("a self-check is running already")

// CheckReport is the outcome of a self-check.
type CheckReport struct {
	OK bool `json:"ok"`
	// Complete: every block indexed when the check started was compared; false when the
	// time ran out (or the stream broke) first, then BlocksChecked says how far it got.
	Complete      bool       `json:"complete"`
	Height        uint64     `json:"height"`
	BlocksChecked uint64     `json:"blocks_checked"`
	Transactions  int        `json:"transactions"`
	Versions      int        `json:"versions"`
	Records       int        `json:"records"`
	Mismatches    []Mismatch `json:"mismatches"`
	MismatchCount int        `json:"mismatch_count"`
	StartedAt     time.Time  `json:"started_at"`
	DurationMS    int64      `json:"duration_ms"`
	Error         string     `json:"error,omitempty"`
}

// Mismatch is one row that differs: Index is the index's row, Ledger the row decoded from
// the ledger's block now ("" when absent).
type Mismatch struct {
	Index  string `json:"index"`
	Ledger string `json:"ledger"`
}

// maxMismatches bounds the mismatches a report lists (MismatchCount counts them all).
const maxMismatches = 50

// Check compares the index with the ledger: it reads the blocks below the index's height
// again from the ledger, decodes them into an empty scratch database and compares every
// transaction, record version and latest record row by row, within timeout.
func (s *Service) Check(ctx context.Context, timeout time.Duration) (*CheckReport, error) {
	s.mu.Lock()
	if s.checking {
		s.mu.Unlock()
		return nil, ErrCheckRunning
	}
	s.checking = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.checking = false
		s.mu.Unlock()
	}()
	if s.scratch == nil {
		return nil, errors.New("index: no scratch database for the self-check")
	}
	start := s.now()
	rep := &CheckReport{StartedAt: start.UTC(), Mismatches: []Mismatch{}}
	height, err := s.store.Height(ctx)
	if err != nil {
		return nil, err
	}
	rep.Height = height
	scratch, err := s.scratch(ctx)
	if err != nil {
		return nil, err
	}
	defer scratch.Close()

	if height > 0 {
		cctx, cancel := context.WithTimeout(ctx, timeout)
		blocks, errc, err := s.src.Blocks(cctx, 0)
		if err != nil {
			cancel()
			return nil, err
		}
		for b := range blocks {
			if b.Number >= height {
				break
			}
			if err := scratch.Apply(cctx, b); err != nil {
				rep.Error = err.Error()
				break
			}
			if b.Number+1 == height {
				break
			}
		}
		cancel()
		for range blocks { // let the stream end
		}
		select {
		case err := <-errc:
			if err != nil && rep.Error == "" && ctx.Err() == nil {
				rep.Error = err.Error()
			}
		default:
		}
	}
	checked, err := scratch.Height(ctx)
	if err != nil {
		return nil, err
	}
	rep.BlocksChecked = checked
	rep.Complete = checked == height
	switch {
	case rep.Complete:
		rep.Error = ""
	case rep.Error == "":
		rep.Error = fmt.Sprintf("checked %d of %d blocks before the time ran out (%s)", checked, height, timeout)
	}
	want, err := scratch.Dump(ctx, checked)
	if err != nil {
		return nil, err
	}
	have, err := s.store.Dump(ctx, checked)
	if err != nil {
		return nil, err
	}
	rep.Transactions, rep.Versions, rep.Records = len(want.Transactions), len(want.Versions), len(want.Records)
	add := func(index, ledger string) {
		rep.MismatchCount++
		if len(rep.Mismatches) < maxMismatches {
			rep.Mismatches = append(rep.Mismatches, Mismatch{Index: index, Ledger: ledger})
		}
	}
	diffLines(have.Transactions, want.Transactions, add)
	diffLines(have.Versions, want.Versions, add)
	keys := make([]string, 0, len(want.Records))
	for k := range want.Records {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		h, ok := have.Records[k]
		switch {
		case !ok:
			add("", want.Records[k])
		case h == LaterRecord: // updated at or after the checked height: compared next time
		case h != want.Records[k]:
			add(h, want.Records[k])
		}
	}
	extra := []string{}
	for k, h := range have.Records {
		if _, ok := want.Records[k]; !ok && h != LaterRecord {
			extra = append(extra, h)
		}
	}
	sort.Strings(extra)
	for _, h := range extra {
		add(h, "")
	}
	rep.OK = rep.Complete && rep.MismatchCount == 0 && rep.Error == ""
	rep.DurationMS = s.now().Sub(start).Milliseconds()
	s.mu.Lock()
	s.lastCheck = rep
	s.mu.Unlock()
	return rep, nil
}

// LaterRecord marks, in a Dump, a record whose latest version is at or above the height.
const LaterRecord = "later"

// diffLines reports the lines of two sorted lists that are not in both.
func diffLines(have, want []string, add func(index, ledger string)) {
	i, j := 0, 0
	for i < len(have) || j < len(want) {
		switch {
		case j == len(want) || (i < len(have) && have[i] < want[j]):
			add(have[i], "")
			i++
		case i == len(have) || want[j] < have[i]:
			add("", want[j])
			j++
		default:
			i++
			j++
		}
	}
}
