package licenceimg

import (
	"container/list"
	"crypto/sha256"
	"encoding/json"
	"sync"

	"github.com/govchain/govchain/internal/domain"
)

// Drawer draws a licence as a PNG (a *Renderer).
type Drawer interface {
	Render(domain.LicenceView) ([]byte, error)
}

// Cache keeps the last images a Drawer drew, so that a licence asked for again (the same
// version, standing and QR text) costs a map look-up instead of a drawing (~0.1 s of CPU).
// Safe for concurrent use.
type Cache struct {
	d   Drawer
	max int

	mu    sync.Mutex
	lru   *list.List // of *cached, most recently used first
	items map[[32]byte]*list.Element
}

type cached struct {
	key [32]byte
	png []byte
}

// NewCache keeps up to max images (at least 1) drawn by d.
func NewCache(d Drawer, max int) *Cache {
	if max < 1 {
		max = 1
	}
	return &Cache{d: d, max: max, lru: list.New(), items: map[[32]byte]*list.Element{}}
}

// Render returns the cached image of v or draws it. The bytes returned are shared: callers
// must not change them.
func (c *Cache) Render(v domain.LicenceView) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	key := sha256.Sum256(raw)
	c.mu.Lock()
	if e, ok := c.items[key]; ok {
		c.lru.MoveToFront(e)
		png := e.Value.(*cached).png
		c.mu.Unlock()
		return png, nil
	}
	c.mu.Unlock()

	png, err := c.d.Render(v) // outside the lock: drawings run in parallel
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok { // drawn meanwhile by another request
		c.lru.MoveToFront(e)
		return e.Value.(*cached).png, nil
	}
	c.items[key] = c.lru.PushFront(&cached{key: key, png: png})
	for c.lru.Len() > c.max {
		old := c.lru.Remove(c.lru.Back()).(*cached)
		delete(c.items, old.key)
	}
	return png, nil
}

// Len is the number of images kept.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}
