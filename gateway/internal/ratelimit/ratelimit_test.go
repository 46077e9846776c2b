package ratelimit

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

func TestLimiter(t *testing.T) {
	t.Run("a burst is allowed, then refused with the wait for the next token", func(t *testing.T) {
		clk := newClock()
		l := New(Config{PerMinute: 30, Burst: 10, Now: clk.Now})
		for i := range 10 {
			ok, _ := l.Allow("192.0.2.1")
			require.True(t, ok, "request %d", i+1)
		}
		ok, wait := l.Allow("192.0.2.1")
		require.False(t, ok)
		require.Equal(t, 2*time.Second, wait, "30 a minute: one token every 2 s")
		require.Equal(t, 2, RetryAfterSeconds(wait))
	})

	t.Run("the bucket refills as time passes", func(t *testing.T) {
		clk := newClock()
		l := New(Config{PerMinute: 60, Burst: 2, Now: clk.Now})
		require.True(t, first(l.Allow("a")))
		require.True(t, first(l.Allow("a")))
		require.False(t, first(l.Allow("a")))
		clk.Advance(500 * time.Millisecond)
		ok, wait := l.Allow("a")
		require.False(t, ok)
		require.Equal(t, 500*time.Millisecond, wait)
		require.Equal(t, 1, RetryAfterSeconds(wait), "never less than 1 s")
		clk.Advance(500 * time.Millisecond)
		require.True(t, first(l.Allow("a")))
		require.False(t, first(l.Allow("a")))
		clk.Advance(time.Hour)
		require.True(t, first(l.Allow("a")))
		require.True(t, first(l.Allow("a")))
		require.False(t, first(l.Allow("a")), "refills up to the burst only")
	})

	t.Run("clients are independent", func(t *testing.T) {
		clk := newClock()
		l := New(Config{PerMinute: 1, Burst: 1, Now: clk.Now})
		require.True(t, first(l.Allow("a")))
		require.False(t, first(l.Allow("a")))
		require.True(t, first(l.Allow("b")))
		require.False(t, first(l.Allow("b")))
	})

	t.Run("idle buckets are forgotten", func(t *testing.T) {
		clk := newClock()
		l := New(Config{PerMinute: 60, Burst: 5, Now: clk.Now})
		for i := range 100 {
			l.Allow(fmt.Sprintf("client-%d", i))
		}
		require.Equal(t, 100, l.Len())
		clk.Advance(5 * time.Second) // long enough for every bucket to be full again
		l.Allow("new")
		require.Equal(t, 1, l.Len())
	})

	t.Run("the number of buckets is capped", func(t *testing.T) {
		clk := newClock()
		l := New(Config{PerMinute: 1, Burst: 1, MaxClients: 50, Now: clk.Now})
		for i := range 1000 {
			require.True(t, first(l.Allow(fmt.Sprintf("client-%d", i))))
			require.LessOrEqual(t, l.Len(), 50)
		}
		require.Equal(t, 50, l.Len())
		require.False(t, first(l.Allow("client-999")), "the most recent clients are kept")
	})

	t.Run("defaults", func(t *testing.T) {
		l := New(Config{})
		require.Equal(t, DefaultMaxClients, l.max)
		require.True(t, first(l.Allow("a")))
		require.False(t, first(l.Allow("a")))
	})
}

func TestRetryAfterSeconds(t *testing.T) {
	for wait, want := range map[time.Duration]int{
		0: 1, time.Nanosecond: 1, time.Second: 1, 1001 * time.Millisecond: 2, 2 * time.Second: 2, 90 * time.Second: 90,
	} {
		require.Equal(t, want, RetryAfterSeconds(wait), wait)
	}
}

func first(ok bool, _ time.Duration) bool { return ok }
