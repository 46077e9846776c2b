package main

import (
	"crypto/sha256"
	"time"
)

// speedIndex measures how fast this machine's CPU is right now: MB/s of SHA-256 on one core
// for d. On a shared VM it drifts by tens of percent from minute to minute; recording it next
// to each phase tells a configuration change from a slower host.
func speedIndex(d time.Duration) float64 {
	buf := make([]byte, 64<<10)
	var n int
	t0 := time.Now()
	for time.Since(t0) < d {
		for i := 0; i < 16; i++ {
			sum := sha256.Sum256(buf)
			buf[0] = sum[0]
			n += len(buf)
		}
	}
	return float64(n) / time.Since(t0).Seconds() / 1e6
}
