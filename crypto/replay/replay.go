// Package replay is the receiver's replay cache (docs/receiver-checks.md, E_REPLAY):
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
	mu sync.Mutex
	// entries is the memory-only cache: expiry in Unix ms (as the file keeps
	// it) by kid, then nonce. A device has few kids; a load run keeps one
	// entry per push for ts + ttl + skew, so each is kept small.
	entries map[[KIDSize]byte]map[[NonceSize]byte]int64
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
func NewMemory() *Cache { return &Cache{} }

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
		for kid, nonces := range c.entries {
			for n, exp := range nonces {
				if nowMS > exp {
					delete(nonces, n)
				}
			}
			if len(nonces) == 0 {
				delete(c.entries, kid)
			}
		}
	}
	kk, n := [KIDSize]byte(k[:KIDSize]), [NonceSize]byte(k[KIDSize:])
	if exp, ok := c.entries[kk][n]; ok && nowMS <= exp {
		return true, nil
	}
	if c.entries == nil {
		c.entries = map[[KIDSize]byte]map[[NonceSize]byte]int64{}
	}
	if c.entries[kk] == nil {
		c.entries[kk] = map[[NonceSize]byte]int64{}
	}
	c.entries[kk][n] = expires.UnixMilli()
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
	for _, nonces := range c.entries {
		for _, exp := range nonces {
			if nowMS <= exp {
				n++
			}
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
	c.entries = nil
	return err
}
