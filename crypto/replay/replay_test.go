package replay

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	kid = []byte("kid-0001")
	t0  = time.UnixMilli(1732460123456)
)

func nonce(i int) []byte {
	n := make([]byte, NonceSize)
	binary.BigEndian.PutUint64(n, uint64(i))
	return n
}

func caches(t *testing.T) map[string]func() *Cache {
	return map[string]func() *Cache{
		"memory": NewMemory,
		"file": func() *Cache {
			c, err := OpenFile(filepath.Join(t.TempDir(), "replay"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			return c
		},
	}
}

func TestCheckAndInsert(t *testing.T) {
	steps := []struct {
		name   string
		nonce  int
		expiry time.Duration // after t0
		now    time.Duration // after t0
		seen   bool
	}{
		{"first", 1, time.Minute, 0, false},
		{"again", 1, time.Minute, time.Second, true},
		{"other nonce", 2, time.Minute, time.Second, false},
		{"at expiry still seen", 1, time.Minute, time.Minute, true},
		{"after expiry forgotten", 1, 2 * time.Minute, time.Minute + time.Millisecond, false},
		{"re-inserted", 1, 2 * time.Minute, 90 * time.Second, true},
	}
	for name, mk := range caches(t) {
		t.Run(name, func(t *testing.T) {
			c := mk()
			for _, s := range steps {
				seen, err := c.CheckAndInsert(kid, nonce(s.nonce), t0.Add(s.expiry), t0.Add(s.now))
				if err != nil || seen != s.seen {
					t.Fatalf("%s: seen %v, %v; want %v", s.name, seen, err, s.seen)
				}
			}
			if n, err := c.Len(t0.Add(90 * time.Second)); err != nil || n != 1 {
				t.Fatalf("Len = %d, %v; want 1 (nonce 2 expired)", n, err)
			}
		})
	}
}

func TestBadKey(t *testing.T) {
	for name, mk := range caches(t) {
		if _, err := mk().CheckAndInsert([]byte("short"), nonce(1), t0, t0); err == nil {
			t.Errorf("%s: a 5-byte kid was accepted", name)
		}
	}
}

// TestFilePersists: a second open (a fresh NSE process) sees the first's entries.
func TestFilePersists(t *testing.T) {
	path := filepath.Join(t.TempDir(), "replay")
	a, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if seen, err := a.CheckAndInsert(kid, nonce(7), t0.Add(time.Minute), t0); seen || err != nil {
		t.Fatal(seen, err)
	}
	a.Close()
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v; want 0600", fi.Mode(), err)
	}
	b, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if seen, err := b.CheckAndInsert(kid, nonce(7), t0.Add(time.Minute), t0.Add(time.Second)); !seen || err != nil {
		t.Fatalf("reopened cache forgot the nonce: %v, %v", seen, err)
	}
}

// TestFileCompacts: expired records are dropped once they are most of the file.
func TestFileCompacts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "replay")
	c, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range 200 {
		if _, err := c.CheckAndInsert(kid, nonce(i), t0.Add(time.Second), t0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.CheckAndInsert(kid, nonce(1000), t0.Add(time.Hour), t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	if want := int64(len(magic) + recordSize); fi.Size() != want {
		t.Fatalf("size %d after compaction, want %d", fi.Size(), want)
	}
}

func TestFileRejectsForeign(t *testing.T) {
	path := filepath.Join(t.TempDir(), "replay")
	os.WriteFile(path, []byte("not a cache"), 0o600)
	if _, err := OpenFile(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v, want one naming %s", err, path)
	}
}

// TestFileTwoCaches: two opens of one file in one process lock each other out.
func TestFileTwoCaches(t *testing.T) {
	path := filepath.Join(t.TempDir(), "replay")
	var firsts sync.Map
	var wg sync.WaitGroup
	for range 2 {
		c, err := OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		wg.Go(func() {
			for i := range 100 {
				seen, err := c.CheckAndInsert(kid, nonce(i), t0.Add(time.Minute), t0)
				if err != nil {
					t.Error(err)
				}
				if !seen {
					if _, dup := firsts.LoadOrStore(i, true); dup {
						t.Errorf("nonce %d accepted by both caches", i)
					}
				}
			}
		})
	}
	wg.Wait()
	n := 0
	firsts.Range(func(any, any) bool { n++; return true })
	if n != 100 {
		t.Fatalf("%d nonces accepted, want 100", n)
	}
}

// TestFileTwoProcesses runs two processes against one file, as two NSE
// processes would; each nonce must be accepted by exactly one of them.
func TestFileTwoProcesses(t *testing.T) {
	if os.Getenv("REPLAY_HELPER") != "" {
		return
	}
	path := filepath.Join(t.TempDir(), "replay")
	var outs [2]bytes.Buffer
	var cmds [2]*exec.Cmd
	for i := range cmds {
		cmds[i] = exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
		cmds[i].Env = append(os.Environ(), "REPLAY_HELPER="+path)
		cmds[i].Stdout = &outs[i]
		cmds[i].Stderr = os.Stderr
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	accepted := map[string]int{}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("helper %d: %v", i, err)
		}
		for _, l := range strings.Fields(outs[i].String()) {
			if n, ok := strings.CutPrefix(l, "accepted:"); ok {
				accepted[n]++
			}
		}
	}
	if len(accepted) != 300 {
		t.Fatalf("%d nonces accepted, want 300", len(accepted))
	}
	for n, k := range accepted {
		if k != 1 {
			t.Fatalf("nonce %s accepted by %d processes", n, k)
		}
	}
}

// TestHelperProcess is one of TestFileTwoProcesses's processes: it prints
// each nonce its cache accepted.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv("REPLAY_HELPER")
	if path == "" {
		t.Skip("helper for TestFileTwoProcesses")
	}
	c, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range 300 {
		seen, err := c.CheckAndInsert(kid, nonce(i), t0.Add(time.Minute), t0)
		if err != nil {
			t.Fatal(err)
		}
		if !seen {
			fmt.Println("accepted:" + strconv.Itoa(i))
		}
	}
}
