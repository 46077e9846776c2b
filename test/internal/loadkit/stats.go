package loadkit

import (
	"math"
	"slices"
	"time"
)

// Latencies holds per-transaction durations and answers percentiles (nearest rank).
type Latencies struct {
	d      []time.Duration
	sorted bool
}

// Add records one duration.
func (l *Latencies) Add(d time.Duration) {
	l.d = append(l.d, d)
	l.sorted = false
}

// Merge appends every duration of o.
func (l *Latencies) Merge(o *Latencies) {
	l.d = append(l.d, o.d...)
	l.sorted = false
}

// Len is the number of recorded durations.
func (l *Latencies) Len() int { return len(l.d) }

func (l *Latencies) sort() {
	if !l.sorted {
		slices.Sort(l.d)
		l.sorted = true
	}
}

// Percentile returns the nearest-rank p-th percentile (0 < p ≤ 100): the smallest recorded
// value such that at least p% of the values are ≤ it. No values: 0.
func (l *Latencies) Percentile(p float64) time.Duration {
	if len(l.d) == 0 {
		return 0
	}
	l.sort()
	if p <= 0 {
		return l.d[0]
	}
	rank := int(math.Ceil(p / 100 * float64(len(l.d))))
	rank = min(max(rank, 1), len(l.d))
	return l.d[rank-1]
}

// Max is the largest recorded value (0 if none).
func (l *Latencies) Max() time.Duration {
	if len(l.d) == 0 {
		return 0
	}
	l.sort()
	return l.d[len(l.d)-1]
}

// Mean is the arithmetic mean (0 if none).
func (l *Latencies) Mean() time.Duration {
	if len(l.d) == 0 {
		return 0
	}
	var sum time.Duration
	for _, d := range l.d {
		sum += d
	}
	return sum / time.Duration(len(l.d))
}

// Millis converts a duration to float milliseconds, rounded to 0.1 ms.
func Millis(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Millisecond)*10) / 10
}
