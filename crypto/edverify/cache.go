package edverify

import (
	"crypto/ed25519"
	"crypto/fips140"
	"sync"
	"sync/atomic"

	"filippo.io/edwards25519"
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
	A := c.admit([32]byte(pub))
	if A == nil {
		return ed25519.Verify(pub, msg, sig)
	}
	c.builds.Add(1)
	k := keyOf([32]byte(pub), A)
	c.finish(k)
	return k.verify(msg, sig)
}

// admit returns pub's point when the caller builds its table now: on the
// key's second sighting, when no one else is building it, pub is a point
// and there is room, made if need be by evicting a key unused since the
// last eviction look. pub is decoded before a table is evicted for it: a
// key that is not a point, which crypto/ed25519 refuses, would otherwise
// evict a table on every other verification and never take its place.
func (c *cache) admit(pub [32]byte) *edwards25519.Point {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := (*c.tables.Load())[pub]; ok {
		return nil // built meanwhile; a one-off fallback is correct too
	}
	if _, ok := c.building[pub]; ok {
		return nil
	}
	if _, ok := c.seen[pub]; !ok {
		if len(c.seen) >= c.maxSeen {
			clear(c.seen)
		}
		c.seen[pub] = struct{}{}
		return nil
	}
	victim, ok := c.room()
	if !ok {
		return nil // stays in seen: it asks again next time
	}
	A, err := new(edwards25519.Point).SetBytes(pub[:])
	if err != nil {
		return nil // not a point: crypto/ed25519 refuses it, evicting nothing
	}
	if victim != nil {
		c.evict(*victim)
	}
	delete(c.seen, pub)
	c.building[pub] = struct{}{}
	return A
}

// room reports whether one more table fits, with victim set when an
// unused table must go for it (under mu). When every table is in use it
// marks them all unused: the next look finds those not used since.
func (c *cache) room() (victim *[32]byte, ok bool) {
	old := *c.tables.Load()
	if len(old)+len(c.building) < c.maxKeys {
		return nil, true
	}
	for pub, e := range old {
		if !e.used.Load() {
			return &pub, true
		}
	}
	for _, e := range old {
		e.used.Store(false)
	}
	return nil, false
}

// evict removes victim's table (under mu).
func (c *cache) evict(victim [32]byte) {
	old := *c.tables.Load()
	m := make(map[[32]byte]*entry, len(old))
	for pub, e := range old {
		if pub != victim {
			m[pub] = e
		}
	}
	c.tables.Store(&m)
}

// finish publishes k's table and releases its building slot.
func (c *cache) finish(k *key) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.building, k.pub)
	old := *c.tables.Load()
	m := make(map[[32]byte]*entry, len(old)+1)
	for p, e := range old {
		m[p] = e
	}
	e := &entry{k: k}
	e.used.Store(true)
	m[k.pub] = e
	c.tables.Store(&m)
}
