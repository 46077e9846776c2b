package fabric

import (
	"context"
	"testing"
	"time"

	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/stretchr/testify/require"
)

func TestEventsResume(t *testing.T) {
	// The first stream breaks after two events; the second resumes after the last one.
	f := &fakeConn{eventsFn: func(n int, start uint64, after string) (<-chan ledger.Event, error) {
		ch := make(chan ledger.Event, 4)
		switch n {
		case 1:
			ch <- ledger.Event{BlockNumber: 10, TransactionID: "a", EventName: "E1"}
			ch <- ledger.Event{BlockNumber: 10, TransactionID: "b", EventName: "E2"}
		case 2:
			ch <- ledger.Event{BlockNumber: 10, TransactionID: "c", EventName: "E3"}
			ch <- ledger.Event{BlockNumber: 11, TransactionID: "d", EventName: "E4"}
		}
		close(ch)
		return ch, nil
	}}
	tl := newTestLedger(t, "", map[ledger.Caller]conn{registrar: f})
	tl.reconnectPause = time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	ch, err := tl.Events(ctx, registrar, nil)
	require.NoError(t, err)
	var got []string
	for ev := range ch {
		got = append(got, ev.TransactionID)
		if len(got) == 4 {
			cancel()
		}
	}
	require.Equal(t, []string{"a", "b", "c", "d"}, got)
	f.mu.Lock()
	defer f.mu.Unlock()
	require.Equal(t, "10/", f.eventCalls[0], "without a start block, the stream starts at the block height")
	require.Equal(t, "10/b", f.eventCalls[1], "the reconnect resumes after the last event delivered")
}

func TestEventsFromStartBlock(t *testing.T) {
	f := &fakeConn{}
	tl := newTestLedger(t, "", map[ledger.Caller]conn{registrar: f})
	ctx, cancel := context.WithCancel(context.Background())
	start := uint64(3)
	_, err := tl.Events(ctx, registrar, &start)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return len(f.eventCalls) > 0 && f.eventCalls[0] == "3/"
	}, time.Second, time.Millisecond)
	cancel()
}
