package scheme

import (
	"crypto/ecdh"
	"crypto/rand"
	"fmt"
	"sync"
	"testing"
)

func newPeerKey(t testing.TB) [32]byte {
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return [32]byte(k.PublicKey().Bytes())
}

// twistKey is a u on the twist (no table, the ladder).
func twistKey(t testing.TB) [32]byte {
	for {
		var u [32]byte
		_, _ = rand.Read(u[:])
		if !onCurve(&u) {
			return u
		}
	}
}

// encapCheck seals to pk through c with a random secret and holds the
// result to the ladder's.
func encapCheck(t testing.TB, c *peerCache, pk *[32]byte) error {
	var sk, pub, dh, lpub, ldh [32]byte
	_, _ = rand.Read(sk[:])
	ok := c.encap(&pub, &dh, &sk, pk)
	lok := x25519Encap(&lpub, &ldh, &sk, pk)
	if ok != lok || dh != ldh || (ok && pub != lpub) {
		return fmt.Errorf("sk %x, peer %x: %x %x %v; ladder %x %x %v", sk, pk, pub, dh, ok, lpub, ldh, lok)
	}
	return nil
}

func (c *peerCache) has(pk *[32]byte) bool { return c.set.Load().find(pk) != nil }

// TestPeerCacheSecondSeal: a key's first seal builds nothing, its second
// builds the table and later ones use it; keys sealed to once never get
// one; a twist key is cached as "the ladder" on its second seal.
func TestPeerCacheSecondSeal(t *testing.T) {
	c := newPeerCache(4, 2)
	for range 100 {
		pk := newPeerKey(t)
		if err := encapCheck(t, c, &pk); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(c.set.Load().keys); n != 0 {
		t.Fatalf("%d tables for keys sealed to once", n)
	}
	for _, pk := range [][32]byte{newPeerKey(t), twistKey(t)} {
		for i := range 4 {
			if err := encapCheck(t, c, &pk); err != nil {
				t.Fatal(err)
			}
			tab, ok := c.lookup(&pk)
			if ok != (i >= 1) || (ok && (tab != nil) != onCurve(&pk)) {
				t.Fatalf("key %x after seal %d: cached %v, table %v", pk, i+1, ok, tab != nil)
			}
		}
	}
}

// TestPeerCacheBound: however many keys are sealed to, and however often,
// the cache holds at most its size.
func TestPeerCacheBound(t *testing.T) {
	c := newPeerCache(4, 2)
	for range 60 {
		pk := newPeerKey(t)
		for range 3 {
			if err := encapCheck(t, c, &pk); err != nil {
				t.Fatal(err)
			}
			if n := len(c.set.Load().keys); n > 4 {
				t.Fatalf("%d keys cached, size 4", n)
			}
		}
	}
	if n := len(c.set.Load().keys); n != 4 {
		t.Fatalf("%d keys cached, want 4", n)
	}
}

// TestPeerCacheEviction: a full cache evicts an entry not sealed to since
// the hand passed it (CLOCK), and only after evictEvery misses since the
// last evicting build, so rotating over more keys than it holds builds at
// most one table per evictEvery seals.
func TestPeerCacheEviction(t *testing.T) {
	c := newPeerCache(2, 4)
	a, b, cc, d := newPeerKey(t), newPeerKey(t), newPeerKey(t), newPeerKey(t)
	seal := func(pk *[32]byte, n int) {
		t.Helper()
		for range n {
			if err := encapCheck(t, c, pk); err != nil {
				t.Fatal(err)
			}
		}
	}
	seal(&a, 2)
	seal(&b, 2)
	seal(&a, 1) // a sealed to since insertion, b not
	seal(&cc, 2)
	if !c.has(&a) || c.has(&b) || !c.has(&cc) {
		t.Fatalf("after c's second seal: a %v b %v c %v; want b evicted", c.has(&a), c.has(&b), c.has(&cc))
	}
	seal(&d, 3) // three misses since the last eviction
	if c.has(&d) {
		t.Fatal("d built before evictEvery misses")
	}
	seal(&d, 1)
	if !c.has(&d) {
		t.Fatal("d not built after evictEvery misses")
	}

	// Rotating over three keys with room for two: builds stay rare.
	r := newPeerCache(2, 8)
	keys := [][32]byte{newPeerKey(t), newPeerKey(t), newPeerKey(t)}
	builds, prev := 0, r.set.Load()
	for i := range 300 {
		if err := encapCheck(t, r, &keys[i%3]); err != nil {
			t.Fatal(err)
		}
		if s := r.set.Load(); s != prev {
			builds, prev = builds+1, s
		}
	}
	if builds > 2+300/8 {
		t.Fatalf("%d builds in 300 seals over 3 keys, cache of 2", builds)
	}
}

// TestPeerCacheConcurrent: many goroutines seal to a few keys (more than
// the cache holds, one of them a twist key) while tables are built,
// published and evicted; every DH is the ladder's. Run under -race.
func TestPeerCacheConcurrent(t *testing.T) {
	c := newPeerCache(3, 2)
	keys := [][32]byte{newPeerKey(t), newPeerKey(t), newPeerKey(t), newPeerKey(t), twistKey(t)}
	g, n := 64, 30
	if raceEnabled {
		g, n = 16, 10
	}
	var wg sync.WaitGroup
	errs := make(chan error, g)
	for i := range g {
		wg.Go(func() {
			for j := range n {
				if err := encapCheck(t, c, &keys[(i+j)%len(keys)]); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(c.set.Load().keys); n > 3 {
		t.Fatalf("%d keys cached, size 3", n)
	}
}

// TestPeerCacheEncapTakesTable: a cached key's seal takes its table, not
// the ladder. The outputs are the same either way, so the table planted
// here is another key's: the DH must come out as that key's.
func TestPeerCacheEncapTakesTable(t *testing.T) {
	c := newPeerCache(4, 2)
	pk, other := newPeerKey(t), newPeerKey(t)
	tab, ok := newPeerTable(&other)
	if !ok {
		t.Fatal("no table for crypto/ecdh's public key")
	}
	c.mu.Lock()
	c.insert(&pk, tab)
	c.mu.Unlock()
	var sk, pub, dh, wpub, wdh [32]byte
	_, _ = rand.Read(sk[:])
	if !c.encap(&pub, &dh, &sk, &pk) || !x25519Encap(&wpub, &wdh, &sk, &other) {
		t.Fatal("refused")
	}
	if dh != wdh || pub != wpub {
		t.Fatalf("DH %x, want the planted table's %x: the seal did not take it", dh, wdh)
	}
}

// TestPeerCacheClockClears: the hand clears the reference bits it passes,
// so a key sealed to before the last sweep but not since is the victim,
// not a key sealed to since.
func TestPeerCacheClockClears(t *testing.T) {
	c := newPeerCache(3, 1)
	keys := [][32]byte{newPeerKey(t), newPeerKey(t), newPeerKey(t), newPeerKey(t), newPeerKey(t)}
	seal := func(pk *[32]byte, n int) {
		t.Helper()
		for range n {
			if err := encapCheck(t, c, pk); err != nil {
				t.Fatal(err)
			}
		}
	}
	a, b, d, x, y := &keys[0], &keys[1], &keys[2], &keys[3], &keys[4]
	for _, k := range []*[32]byte{a, b, d} {
		seal(k, 3) // cached and sealed to since
	}
	seal(x, 2) // the sweep clears every bit and evicts a
	if c.has(a) || !c.has(b) || !c.has(d) || !c.has(x) {
		t.Fatalf("after x: a %v b %v d %v x %v; want a evicted", c.has(a), c.has(b), c.has(d), c.has(x))
	}
	seal(b, 1) // b sealed to since the sweep, d not
	seal(y, 2)
	if !c.has(b) || c.has(d) || !c.has(y) {
		t.Fatalf("after y: b %v d %v x %v y %v; want d evicted (its bit was cleared)", c.has(b), c.has(d), c.has(x), c.has(y))
	}
}

// heldBuilds makes c's first build of the key held wait until release is
// closed, after telling started; it counts every build.
type heldBuilds struct {
	held    [32]byte
	started chan struct{}
	release chan struct{}
	mu      sync.Mutex
	n       int  // builds
	first   bool // the held key's first build has started
}

func holdBuilds(c *peerCache, held [32]byte) *heldBuilds {
	h := &heldBuilds{held: held, started: make(chan struct{}), release: make(chan struct{})}
	c.build = func(pk *[32]byte) (*peerTable, bool) {
		h.mu.Lock()
		h.n++
		hold := *pk == h.held && !h.first
		h.first = h.first || hold
		h.mu.Unlock()
		if hold {
			close(h.started)
			<-h.release
		}
		return newPeerTable(pk)
	}
	return h
}

func (h *heldBuilds) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}

// TestPeerCacheBuildInFlight: while a key's table is being built, its
// other seals take the ladder instead of building it again.
func TestPeerCacheBuildInFlight(t *testing.T) {
	c := newPeerCache(4, 2)
	pk := newPeerKey(t)
	if err := encapCheck(t, c, &pk); err != nil {
		t.Fatal(err)
	}
	h := holdBuilds(c, pk)
	done := make(chan error)
	go func() { done <- encapCheck(t, c, &pk) }()
	<-h.started
	for range 3 {
		if err := encapCheck(t, c, &pk); err != nil {
			t.Fatal(err)
		}
	}
	close(h.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := h.count(); n != 1 || !c.has(&pk) {
		t.Fatalf("%d builds, cached %v; want 1 and cached", n, c.has(&pk))
	}
}

// TestPeerCacheEvictionBudgetInFlight: the eviction budget is taken when
// an evicting build starts, not when it ends, so seals to other keys
// during that build (130 µs, many seals at c=64) do not start evicting
// builds of their own.
func TestPeerCacheEvictionBudgetInFlight(t *testing.T) {
	c := newPeerCache(2, 4)
	a, b, x, y := newPeerKey(t), newPeerKey(t), newPeerKey(t), newPeerKey(t)
	for _, k := range []*[32]byte{&a, &a, &b, &b, &x, &y} { // a and b cached, x and y seen: 6 misses
		if err := encapCheck(t, c, k); err != nil {
			t.Fatal(err)
		}
	}
	h := holdBuilds(c, x)
	done := make(chan error)
	go func() { done <- encapCheck(t, c, &x) }() // evicts: the budget allows it
	<-h.started
	for range 3 { // fewer than evictEvery misses since x's build started
		if err := encapCheck(t, c, &y); err != nil {
			t.Fatal(err)
		}
	}
	n := h.count()
	close(h.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n != 1 || c.has(&y) || !c.has(&x) {
		t.Fatalf("%d builds during x's evicting build, y cached %v, x %v; want 1, false, true", n, c.has(&y), c.has(&x))
	}
}

// TestPeerCacheInFlightFills: builds in flight count toward a full set, so
// a build that will evict because another fills the last slot first waits
// for the eviction budget too.
func TestPeerCacheInFlightFills(t *testing.T) {
	c := newPeerCache(2, 16)
	a, x, y := newPeerKey(t), newPeerKey(t), newPeerKey(t)
	for _, k := range []*[32]byte{&a, &a, &x, &y} { // a cached, x and y seen
		if err := encapCheck(t, c, k); err != nil {
			t.Fatal(err)
		}
	}
	h := holdBuilds(c, x)
	done := make(chan error)
	go func() { done <- encapCheck(t, c, &x) }() // takes the last slot
	<-h.started
	if err := encapCheck(t, c, &y); err != nil {
		t.Fatal(err)
	}
	n := h.count()
	close(h.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n != 1 || c.has(&y) || !c.has(&a) || !c.has(&x) {
		t.Fatalf("%d builds while x's took the last slot; a %v x %v y %v; want 1, a and x cached", n, c.has(&a), c.has(&x), c.has(&y))
	}
}
