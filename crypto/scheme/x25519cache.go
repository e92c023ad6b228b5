package scheme

import (
	"sync"
	"sync/atomic"
)

// Which recipients get a table (x25519table.go). A table costs about three
// ladders to build (130 µs) and saves three quarters of one per seal
// (30 µs), so it is built on a key's second seal (a recipient sealed to
// once never pays for it) and kept for the next ones: a load run seals to
// one callee thousands of times. Only public keys and tables derived from
// them are kept; no secret goes in.
//
// Memory: at most peerCacheSize tables of 30 KiB (32 KiB as allocated),
// 1 MiB.
//
// The hot path (a key with a table) reads an immutable set through an
// atomic pointer and scans its keys: no lock, no allocation, no write
// beyond setting an entry's reference bit once per eviction sweep. Misses
// take a mutex, short of the build itself, which runs outside it.
const (
	peerCacheSize = 32
	// peerSeenSize keys seen once are remembered for the second-seal rule.
	peerSeenSize = 64
	// peerEvictEvery: a build that evicts a table waits for this many
	// misses since the last one started, so sealing in turn to more
	// recipients than the cache holds costs at most one build per that many
	// seals (8 µs a seal), not one per seal, however many seals run at once.
	peerEvictEvery = 16
)

// peerTables is the process's cache, used by every default-scheme seal.
var peerTables = newPeerCache(peerCacheSize, peerEvictEvery)

type peerEntry struct {
	tab  *peerTable  // nil: the key has no Edwards point, the ladder it is
	used atomic.Bool // CLOCK's reference bit: sealed to since the hand passed
}

// peerSet is a snapshot of the cache, never changed once published: keys[i]
// is ents[i]'s public key.
type peerSet struct {
	keys [][32]byte
	ents []*peerEntry
}

func (s *peerSet) find(pk *[32]byte) *peerEntry {
	for i := range s.keys {
		if s.keys[i] == *pk {
			return s.ents[i]
		}
	}
	return nil
}

type peerCache struct {
	set        atomic.Pointer[peerSet]
	size       int
	evictEvery int
	// build is newPeerTable; tests hold a build in flight through it.
	build func(pk *[32]byte) (*peerTable, bool)

	mu       sync.Mutex
	seen     [peerSeenSize][32]byte // keys sealed to once, a ring
	nseen    int                    // entries of seen in use
	next     int                    // the ring's next slot
	building [][32]byte             // keys whose table is being built
	hand     int                    // CLOCK's hand into the set
	misses   int                    // misses since the last evicting build
}

func newPeerCache(size, evictEvery int) *peerCache {
	c := &peerCache{size: size, evictEvery: evictEvery, build: newPeerTable}
	c.set.Store(&peerSet{})
	return c
}

// encap is x25519Encap for the peer pk, through pk's table when it has one.
func (c *peerCache) encap(pub, dh, sk, pk *[32]byte) bool {
	t, ok := c.lookup(pk)
	if !ok {
		t = c.miss(pk)
	}
	if t == nil {
		return x25519Encap(pub, dh, sk, pk)
	}
	return x25519EncapTable(pub, dh, sk, t)
}

// lookup reports whether pk is cached, and its table (nil: the ladder).
func (c *peerCache) lookup(pk *[32]byte) (*peerTable, bool) {
	e := c.set.Load().find(pk)
	if e == nil {
		return nil, false
	}
	if !e.used.Load() { // written once per sweep, not per seal: no shared-line ping-pong
		e.used.Store(true)
	}
	return e.tab, true
}

// miss handles a key not in the set: the first time, it is remembered; the
// second time (if no other seal is building it and, when the set is full,
// the eviction budget allows), its table is built, published and returned.
// nil means this seal takes the ladder.
func (c *peerCache) miss(pk *[32]byte) *peerTable {
	c.mu.Lock()
	if e := c.set.Load().find(pk); e != nil { // published since lookup
		c.mu.Unlock()
		return e.tab
	}
	if !c.claim(pk) {
		c.mu.Unlock()
		return nil
	}
	c.mu.Unlock()

	t, ok := c.build(pk)
	if !ok {
		t = nil // decided once: the ladder for this key
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.building {
		if c.building[i] == *pk {
			c.building = append(c.building[:i], c.building[i+1:]...)
			break
		}
	}
	c.insert(pk, t)
	return t
}

// claim reports, with c.mu held, whether this seal builds pk's table, and
// if so marks it as being built. A build that will evict (the builds in
// flight count, as each inserts) takes the eviction budget as it starts:
// taken as it ended, every miss during a 130 µs build would start another.
func (c *peerCache) claim(pk *[32]byte) bool {
	c.misses++
	full := len(c.set.Load().keys)+len(c.building) >= c.size
	if !c.seenBefore(pk) || c.isBuilding(pk) || (full && c.misses < c.evictEvery) {
		return false
	}
	if full {
		c.misses = 0
	}
	c.building = append(c.building, *pk)
	return true
}

// seenBefore reports whether pk was missed before, and remembers it if not.
func (c *peerCache) seenBefore(pk *[32]byte) bool {
	for i := range c.nseen {
		if c.seen[i] == *pk {
			return true
		}
	}
	c.seen[c.next] = *pk
	c.next = (c.next + 1) % len(c.seen)
	c.nseen = min(c.nseen+1, len(c.seen))
	return false
}

func (c *peerCache) isBuilding(pk *[32]byte) bool {
	for i := range c.building {
		if c.building[i] == *pk {
			return true
		}
	}
	return false
}

// insert publishes a copy of the set with pk added, replacing CLOCK's
// victim when the set is full: the first entry from the hand on not sealed
// to since the hand last passed it (bits are cleared as it passes).
func (c *peerCache) insert(pk *[32]byte, t *peerTable) {
	old := c.set.Load()
	if old.find(pk) != nil {
		return
	}
	s := &peerSet{
		keys: append(make([][32]byte, 0, len(old.keys)+1), old.keys...),
		ents: append(make([]*peerEntry, 0, len(old.ents)+1), old.ents...),
	}
	e := &peerEntry{tab: t}
	if len(s.keys) < c.size {
		s.keys = append(s.keys, *pk)
		s.ents = append(s.ents, e)
	} else {
		// Two passes find a clear bit unless seals set them again as fast
		// as the hand clears them; then the hand's entry goes anyway.
		for range 2 * len(s.ents) {
			if !s.ents[c.hand].used.Load() {
				break
			}
			s.ents[c.hand].used.Store(false)
			c.hand = (c.hand + 1) % len(s.ents)
		}
		s.keys[c.hand] = *pk
		s.ents[c.hand] = e
		c.hand = (c.hand + 1) % len(s.ents)
	}
	c.set.Store(s)
}
