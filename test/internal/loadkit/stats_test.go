package loadkit

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPercentiles(t *testing.T) {
	t.Run("nearest rank over 1..100 ms, recorded in any order", func(t *testing.T) {
		var l Latencies
		for i := 100; i >= 1; i-- {
			l.Add(time.Duration(i) * time.Millisecond)
		}
		require.Equal(t, 50*time.Millisecond, l.Percentile(50))
		require.Equal(t, 90*time.Millisecond, l.Percentile(90))
		require.Equal(t, 99*time.Millisecond, l.Percentile(99))
		require.Equal(t, 100*time.Millisecond, l.Percentile(100))
		require.Equal(t, 1*time.Millisecond, l.Percentile(0.1))
		require.Equal(t, 100*time.Millisecond, l.Max())
		require.Equal(t, 50500*time.Microsecond, l.Mean())
	})
	t.Run("p99 of a small sample is its maximum", func(t *testing.T) {
		var l Latencies
		for _, d := range []time.Duration{3, 1, 2} {
			l.Add(d)
		}
		require.Equal(t, time.Duration(2), l.Percentile(50))
		require.Equal(t, time.Duration(3), l.Percentile(99))
	})
	t.Run("no samples give zero", func(t *testing.T) {
		var l Latencies
		require.Zero(t, l.Percentile(50))
		require.Zero(t, l.Max())
		require.Zero(t, l.Mean())
	})
	t.Run("adding after a percentile re-sorts", func(t *testing.T) {
		var l Latencies
		l.Add(10)
		require.Equal(t, time.Duration(10), l.Percentile(50))
		l.Add(1)
		l.Add(2)
		require.Equal(t, time.Duration(2), l.Percentile(50))
		var m Latencies
		m.Add(0)
		l.Merge(&m)
		require.Equal(t, 4, l.Len())
		require.Equal(t, time.Duration(1), l.Percentile(50))
	})
}

func TestMillis(t *testing.T) {
	require.Equal(t, 1.5, Millis(1500*time.Microsecond))
	require.Equal(t, 0.1, Millis(149*time.Microsecond))
}
