package edverify

import (
	"crypto/ed25519"
	"crypto/fips140"
	"sync"
	"sync/atomic"
)

// Bounds of the cache: at most maxKeys tables (maxKeys·keyTableBytes,
// 3.1 MiB) and maxSeen keys remembered as seen once (32 bytes each and
// the map's overhead, about 80 KiB).
const (
	maxKeys = 64
	maxSeen = 1024
)

// Verify reports whether sig is a valid signature of msg by pub, with
// the answer of crypto/ed25519.Verify for every input (and its panic for
// a public key that is not 32 bytes long). A key's first verification is
// crypto/ed25519's; its second builds the key's table, which the next
// ones use. It is safe for concurrent use.
func Verify(pub ed25519.PublicKey, msg, sig []byte) bool {
	return defaultCache.verify(pub, msg, sig)
}

var defaultCache = newCache(maxKeys, maxSeen)

// cache holds the tables of the keys seen more than once. A verification
// with a cached key reads an immutable map through an atomic pointer:
// no lock, no allocation. Keys without a table take the mutex.
type cache struct {
	tables atomic.Pointer[map[[32]byte]*entry]

	maxKeys, maxSeen int

	mu       sync.Mutex
	seen     map[[32]byte]struct{} // verified once, no table yet
	building map[[32]byte]struct{} // tables under construction (outside mu)

	builds atomic.Int64 // tables built, for tests
}

type entry struct {
	k *key
	// used is set by every verification and cleared when the cache looks
	// for a key to evict: a key unused since the last look goes first,
	// and while every cached key is in use a new key is not admitted, so
	// more hot keys than maxKeys do not rebuild tables over and over.
	used atomic.Bool
}

func newCache(maxKeys, maxSeen int) *cache {
	c := &cache{
		maxKeys:  maxKeys,
		maxSeen:  maxSeen,
		seen:     make(map[[32]byte]struct{}),
		building: make(map[[32]byte]struct{}),
	}
	m := make(map[[32]byte]*entry)
	c.tables.Store(&m)
	return c
}

func (c *cache) verify(pub ed25519.PublicKey, msg, sig []byte) bool {
	// Under GODEBUG=fips140=on or only, a verification must be the FIPS
	// 140-3 module's: this package's own arithmetic is not part of it.
	if len(pub) != ed25519.PublicKeySize || fips140.Enabled() {
		return ed25519.Verify(pub, msg, sig) // panics for a bad length, as crypto/ed25519 does
	}
	if e := (*c.tables.Load())[[32]byte(pub)]; e != nil {
		if !e.used.Load() {
			e.used.Store(true)
		}
		return e.k.verify(msg, sig)
	}
	if !c.admit([32]byte(pub)) {
		return ed25519.Verify(pub, msg, sig)
	}
	c.builds.Add(1)
	k, ok := newKey(pub)
	c.finish(k, [32]byte(pub))
	if !ok {
		return false // pub is not a point: crypto/ed25519 refuses every signature
	}
	return k.verify(msg, sig)
}

// admit reports whether the caller builds pub's table now: on the key's
// second sighting, when no one else is building it and there is room,
// made if need be by evicting a key unused since the last eviction look.
func (c *cache) admit(pub [32]byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := (*c.tables.Load())[pub]; ok {
		return false // built meanwhile; a one-off fallback is correct too
	}
	if _, ok := c.building[pub]; ok {
		return false
	}
	if _, ok := c.seen[pub]; !ok {
		if len(c.seen) >= c.maxSeen {
			clear(c.seen)
		}
		c.seen[pub] = struct{}{}
		return false
	}
	if !c.makeRoom() {
		return false // stays in seen: it asks again next time
	}
	delete(c.seen, pub)
	c.building[pub] = struct{}{}
	return true
}

// makeRoom makes sure one more table fits, evicting an unused one if
// needed (under mu).
func (c *cache) makeRoom() bool {
	old := *c.tables.Load()
	if len(old)+len(c.building) < c.maxKeys {
		return true
	}
	var victim *[32]byte
	for pub, e := range old {
		if !e.used.Load() {
			victim = &pub
			break
		}
	}
	if victim == nil {
		for _, e := range old {
			e.used.Store(false)
		}
		return false
	}
	m := make(map[[32]byte]*entry, len(old))
	for pub, e := range old {
		if pub != *victim {
			m[pub] = e
		}
	}
	c.tables.Store(&m)
	return true
}

// finish publishes k's table (k is nil for a key that is not a point) and
// releases pub's building slot.
func (c *cache) finish(k *key, pub [32]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.building, pub)
	if k == nil {
		return
	}
	old := *c.tables.Load()
	m := make(map[[32]byte]*entry, len(old)+1)
	for p, e := range old {
		m[p] = e
	}
	e := &entry{k: k}
	e.used.Store(true)
	m[pub] = e
	c.tables.Store(&m)
}
