// Package ratelimit is a per-client token bucket limiter with bounded memory, for the
// gateway's public (unauthenticated) routes.
//
// Each client (a key, e.g. its IP address) has a bucket of Burst tokens that refills at
// PerMinute tokens a minute; a request takes one token or is refused with the time until the
// next one. A bucket left alone long enough to be full again is the same as no bucket, so it
// is forgotten; and the map never holds more than MaxClients buckets (the least recently used
// is forgotten first), whatever the number of client addresses.
package ratelimit

import (
	"container/list"
	"math"
	"sync"
	"time"
)

// DefaultMaxClients bounds the buckets kept when Config.MaxClients is 0.
const DefaultMaxClients = 10000

// Config configures a Limiter.
type Config struct {
	// PerMinute is the sustained rate: tokens added to a client's bucket per minute (> 0).
	PerMinute float64
	// Burst is the bucket's size: requests a quiet client may make at once (>= 1).
	Burst int
	// MaxClients bounds the buckets kept (default DefaultMaxClients).
	MaxClients int
	// Now is the clock (default time.Now); tests inject a fake one.
	Now func() time.Time
}

// Limiter limits each client to its own token bucket. Safe for concurrent use.
type Limiter struct {
	mu      sync.Mutex
	perSec  float64
	burst   float64
	max     int
	now     func() time.Time
	full    time.Duration // how long an empty bucket takes to fill: idle longer, it is forgotten
	lru     *list.List    // of *bucket, most recently used first
	buckets map[string]*list.Element
}

type bucket struct {
	key    string
	tokens float64
	last   time.Time // when tokens was computed
}

// New returns a limiter. A non-positive PerMinute or Burst is taken as 1.
func New(cfg Config) *Limiter {
	if cfg.PerMinute <= 0 {
		cfg.PerMinute = 1
	}
	if cfg.Burst < 1 {
		cfg.Burst = 1
	}
	if cfg.MaxClients <= 0 {
		cfg.MaxClients = DefaultMaxClients
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	perSec := cfg.PerMinute / 60
	return &Limiter{
		perSec: perSec, burst: float64(cfg.Burst), max: cfg.MaxClients, now: cfg.Now,
		full:    time.Duration(float64(cfg.Burst) / perSec * float64(time.Second)),
		lru:     list.New(),
		buckets: map[string]*list.Element{},
	}
}

// Allow takes a token from key's bucket. When there is none it reports false and how long
// until there is one (always positive).
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.forgetIdle(now)
	el, ok := l.buckets[key]
	if !ok {
		for len(l.buckets) >= l.max {
			l.remove(l.lru.Back())
		}
		el = l.lru.PushFront(&bucket{key: key, tokens: l.burst, last: now})
		l.buckets[key] = el
	} else {
		l.lru.MoveToFront(el)
	}
	b := el.Value.(*bucket)
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = math.Min(l.burst, b.tokens+elapsed.Seconds()*l.perSec)
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.perSec * float64(time.Second))
	if wait <= 0 {
		wait = time.Nanosecond
	}
	return false, wait
}

// forgetIdle drops the least recently used buckets that have been left alone long enough to
// be full again (they hold nothing a fresh bucket would not).
func (l *Limiter) forgetIdle(now time.Time) {
	for el := l.lru.Back(); el != nil; el = l.lru.Back() {
		if now.Sub(el.Value.(*bucket).last) < l.full {
			return
		}
		l.remove(el)
	}
}

func (l *Limiter) remove(el *list.Element) {
	if el == nil {
		return
	}
	l.lru.Remove(el)
	delete(l.buckets, el.Value.(*bucket).key)
}

// Len is the number of buckets kept.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// RetryAfterSeconds is the value of a Retry-After header for wait: whole seconds, at least 1.
func RetryAfterSeconds(wait time.Duration) int {
	s := int(math.Ceil(wait.Seconds()))
	if s < 1 {
		return 1
	}
	return s
}
