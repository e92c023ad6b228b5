// Package replay is the receiver's replay cache (crypto.md §3.5 step 9):
// (kid, nonce) pairs seen in authenticated envelopes, kept until
// ts + ttl + skew. The NSE inserts only after every other check passed, so
// forged pushes cannot poison it.
//
// Each push may run in a fresh NSE process, so the real cache is a file in
// the app group shared by every process (OpenFile); NewMemory is the
// simulator's in-process variant.
package replay

import (
	"fmt"
	"sync"
	"time"
)

// Sizes of a key: VPE1's kid and nonce.
const (
	KIDSize   = 8
	NonceSize = 16
)

// Cache remembers (kid, nonce) pairs until they expire.
type Cache struct {
	mu      sync.Mutex
	entries map[key]int64 // memory only: expiry in Unix ms, as the file keeps it (a third of a time.Time)
	pruned  time.Time
	file    *fileStore // nil: memory only
}

type key [KIDSize + NonceSize]byte

func makeKey(kid, nonce []byte) (key, error) {
	var k key
	if len(kid) != KIDSize || len(nonce) != NonceSize {
		return k, fmt.Errorf("replay key: kid %d and nonce %d bytes, want %d and %d", len(kid), len(nonce), KIDSize, NonceSize)
	}
	copy(k[:], kid)
	copy(k[KIDSize:], nonce)
	return k, nil
}

// NewMemory returns an in-process cache, as the simulator's NSE keeps one.
func NewMemory() *Cache { return &Cache{entries: map[key]int64{}} }

// CheckAndInsert reports whether (kid, nonce) was seen before and has not
// expired; if not, it records it until expires. now prunes expired entries.
// The check and the insert are one atomic step, also across processes
// sharing a file, so two NSEs given the same push cannot both accept it.
func (c *Cache) CheckAndInsert(kid, nonce []byte, expires, now time.Time) (seen bool, err error) {
	k, err := makeKey(kid, nonce)
	if err != nil {
		return false, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.file != nil {
		return c.file.checkAndInsert(k, expires, now)
	}
	nowMS := now.UnixMilli()
	if now.Sub(c.pruned) > time.Second {
		c.pruned = now
		for key, exp := range c.entries {
			if nowMS > exp {
				delete(c.entries, key)
			}
		}
	}
	if exp, ok := c.entries[k]; ok && nowMS <= exp {
		return true, nil
	}
	c.entries[k] = expires.UnixMilli()
	return false, nil
}

// Len is the number of entries not yet expired at now.
func (c *Cache) Len(now time.Time) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.file != nil {
		return c.file.live(now)
	}
	n, nowMS := 0, now.UnixMilli()
	for _, exp := range c.entries {
		if nowMS <= exp {
			n++
		}
	}
	return n, nil
}

// Close releases the file of a file-backed cache.
func (c *Cache) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.file == nil {
		return nil
	}
	err := c.file.close()
	c.file = nil
	c.entries = map[key]int64{}
	return err
}
