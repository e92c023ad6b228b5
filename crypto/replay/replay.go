// Package replay is the receiver's replay cache (crypto.md §3.5 step 9):
// (kid, nonce) pairs seen in authenticated envelopes, kept until
// ts + ttl + skew. The NSE inserts only after every other check passed, so
// forged pushes cannot poison it.
package replay

import (
	"sync"
	"time"
)

// Cache remembers (kid, nonce) pairs until they expire.
type Cache struct {
	mu      sync.Mutex
	entries map[string]time.Time
	pruned  time.Time
}

// NewMemory returns an in-process cache, as the simulator's NSE keeps one.
func NewMemory() *Cache { return &Cache{entries: map[string]time.Time{}} }

// CheckAndInsert reports whether (kid, nonce) was seen before; if not, it
// records it until expires. now prunes expired entries.
func (c *Cache) CheckAndInsert(kid, nonce []byte, expires, now time.Time) (seen bool) {
	k := string(kid) + "\x00" + string(nonce)
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.Sub(c.pruned) > time.Second {
		c.pruned = now
		for key, exp := range c.entries {
			if now.After(exp) {
				delete(c.entries, key)
			}
		}
	}
	if exp, ok := c.entries[k]; ok && !now.After(exp) {
		return true
	}
	c.entries[k] = expires
	return false
}

// Len is the number of live entries.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
