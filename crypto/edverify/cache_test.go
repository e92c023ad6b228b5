package edverify

import (
	"crypto/ed25519"
	"fmt"
	"sync"
	"testing"
	"unsafe"

	"github.com/callscope/callscope/crypto/internal/edwards"
)

type signed struct {
	pub, msg, sig []byte
	want          bool
}

func signedBy(t testing.TB, r *testRNG, n int) []signed {
	priv := ed25519.NewKeyFromSeed(randBytes(r, 32))
	pub := priv.Public().(ed25519.PublicKey)
	var out []signed
	for i := range n {
		msg := randBytes(r, 50)
		sig := ed25519.Sign(priv, msg)
		if i%3 == 2 {
			sig[i%64] ^= 4
		}
		out = append(out, signed{pub, msg, sig, ed25519.Verify(pub, msg, sig)})
	}
	return out
}

func (c *cache) size() (tables, seen, building int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(*c.tables.Load()), len(c.seen), len(c.building)
}

// TestCacheSecondUse: a key's first verification builds nothing, its
// second builds the table, later ones use it.
func TestCacheSecondUse(t *testing.T) {
	r := testRand(t)
	c := newCache(4, 8)
	s := signedBy(t, r, 5)
	for i, want := range []int64{0, 1, 1, 1, 1} {
		if got := c.verify(s[i].pub, s[i].msg, s[i].sig); got != s[i].want {
			t.Fatalf("call %d: %v, want %v", i+1, got, s[i].want)
		}
		if b := c.builds.Load(); b != want {
			t.Fatalf("after call %d: %d tables built, want %d", i+1, b, want)
		}
	}
	if n, _, _ := c.size(); n != 1 {
		t.Fatalf("%d tables", n)
	}
}

// TestCacheBound: many distinct keys, each seen twice or more, keep the
// cache within its bounds, and every answer is crypto/ed25519's.
func TestCacheBound(t *testing.T) {
	r := testRand(t)
	c := newCache(4, 16)
	for range 300 {
		for _, s := range signedBy(t, r, 3) {
			if got := c.verify(s.pub, s.msg, s.sig); got != s.want {
				t.Fatalf("%v, want %v", got, s.want)
			}
		}
		if n, seen, b := c.size(); n > 4 || seen > 16 || b != 0 {
			t.Fatalf("%d tables, %d seen, %d building", n, seen, b)
		}
	}
	// A one-off key (seen once) never builds a table.
	c = newCache(4, 16)
	for range 100 {
		s := signedBy(t, r, 1)[0]
		c.verify(s.pub, s.msg, s.sig)
	}
	if b := c.builds.Load(); b != 0 {
		t.Fatalf("%d tables built for one-off keys", b)
	}
	// Nor do one-off keys grow what the cache remembers past maxSeen.
	if n, seen, _ := c.size(); n != 0 || seen == 0 || seen > 16 {
		t.Fatalf("after 100 one-off keys: %d tables, %d seen (max 16)", n, seen)
	}
}

// TestCacheNoThrash: one more hot key than the cache holds does not make
// every verification build a table, and keys no longer used give way.
func TestCacheNoThrash(t *testing.T) {
	r := testRand(t)
	var keys [][]signed
	for range 9 {
		keys = append(keys, signedBy(t, r, 3))
	}
	c := newCache(4, 16)
	run := func(ks [][]signed, rounds int) {
		for i := range rounds {
			for _, k := range ks {
				s := k[i%len(k)]
				if got := c.verify(s.pub, s.msg, s.sig); got != s.want {
					t.Fatalf("%v, want %v", got, s.want)
				}
			}
		}
	}
	run(keys[:5], 100)
	if b := c.builds.Load(); b > 5 {
		t.Fatalf("5 hot keys in a cache of 4 built %d tables in 100 rounds", b)
	}
	// The working set moves to four other keys: they get the tables.
	before := c.builds.Load()
	run(keys[5:], 10)
	if b := c.builds.Load() - before; b != 4 {
		t.Fatalf("4 new hot keys built %d tables", b)
	}
	tables := *c.tables.Load()
	for _, k := range keys[5:] {
		if tables[[32]byte(k[0].pub)] == nil {
			t.Fatalf("new hot key %x has no table", k[0].pub[:4])
		}
	}
}

// TestCacheBadKey: a key that is not a point fails every time and leaves
// nothing behind.
func TestCacheBadKey(t *testing.T) {
	c := newCache(4, 16)
	pub := make([]byte, 32)
	pub[0] = 2 // y = 2 is not on the curve
	if _, ok := newKey(pub); ok {
		t.Fatal("y = 2 decodes")
	}
	for range 5 {
		if c.verify(pub, nil, make([]byte, 64)) {
			t.Fatal("a key that is not a point verifies")
		}
	}
	if n, _, b := c.size(); n != 0 || b != 0 {
		t.Fatalf("%d tables, %d building", n, b)
	}
}

// TestCacheBadKeyEvictsNothing: a key that is not a point, verified again
// and again while the cache is full, never evicts a table it cannot
// replace: the hot key keeps its table, and nothing is built.
func TestCacheBadKeyEvictsNothing(t *testing.T) {
	r := testRand(t)
	c := newCache(1, 16)
	hot := signedBy(t, r, 3)
	for _, s := range hot {
		c.verify(s.pub, s.msg, s.sig)
	}
	bad := make([]byte, 32)
	bad[0] = 2 // y = 2 is not on the curve
	for i := range 6 {
		if c.verify(bad, nil, make([]byte, 64)) {
			t.Fatal("a key that is not a point verifies")
		}
		if (*c.tables.Load())[[32]byte(hot[0].pub)] == nil {
			t.Fatalf("the hot key's table was evicted by a key that is not a point (verification %d)", i+1)
		}
	}
	if b := c.builds.Load(); b != 1 {
		t.Fatalf("%d tables built, want 1", b)
	}
}

// TestCacheConcurrent: many goroutines verify with a few keys (and some
// one-off keys) while the cache fills and evicts; run with -race.
func TestCacheConcurrent(t *testing.T) {
	r := testRand(t)
	var hot [][]signed
	for range 6 {
		hot = append(hot, signedBy(t, r, 6))
	}
	var oneOff []signed
	for range 64 {
		oneOff = append(oneOff, signedBy(t, r, 1)...)
	}
	for _, c := range []*cache{newCache(4, 8), defaultCache} {
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for g := range 64 {
			wg.Go(func() {
				for i := range 30 {
					s := hot[(g+i)%len(hot)][i%6]
					if i%10 == 0 {
						s = oneOff[g]
					}
					if got := c.verify(s.pub, s.msg, s.sig); got != s.want {
						errs <- fmt.Errorf("goroutine %d call %d: %v, want %v", g, i, got, s.want)
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
		if n, _, b := c.size(); n > c.maxKeys || b != 0 {
			t.Fatalf("%d tables (max %d), %d building", n, c.maxKeys, b)
		}
	}
}

// TestCachedVerifyAllocs: a cached key's verification does not allocate.
func TestCachedVerifyAllocs(t *testing.T) {
	r := testRand(t)
	s := signedBy(t, r, 1)[0]
	c := newCache(4, 8)
	c.verify(s.pub, s.msg, s.sig)
	c.verify(s.pub, s.msg, s.sig)
	if n := testing.AllocsPerRun(20, func() { c.verify(s.pub, s.msg, s.sig) }); n != 0 {
		t.Errorf("%v allocations per verification", n)
	}
}

// TestTableMemory holds the memory figures the comments give.
func TestTableMemory(t *testing.T) {
	if keyTableBytes != 49920 || tableBytes(baseW, baseM) != 491520 {
		t.Errorf("a key's table is %d bytes, B's %d", keyTableBytes, tableBytes(baseW, baseM))
	}
	k, _ := newKey(signedBy(t, testRand(t), 1)[0].pub)
	if got := len(k.negA.rows) * int(unsafe.Sizeof(edwards.Niels{})); got != keyTableBytes {
		t.Errorf("a key's rows are %d bytes, tableBytes says %d", got, keyTableBytes)
	}
	if maxKeys*keyTableBytes > 3200<<10 {
		t.Errorf("%d tables are %d bytes", maxKeys, maxKeys*keyTableBytes)
	}
}
