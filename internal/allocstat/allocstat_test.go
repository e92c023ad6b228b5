package allocstat

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

var sink []byte

// TestObjectsCounts: the count grows by at least the allocations made, so
// a benchmark's per-push figure is not zero for a process that allocates.
func TestObjectsCounts(t *testing.T) {
	before := Objects()
	for range 1000 {
		sink = make([]byte, 64)
	}
	if got := Objects() - before; got < 1000 {
		t.Errorf("1000 allocations counted as %d", got)
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		line string
		n    uint64
		ok   bool
	}{
		{Prefix + "123", 123, true},
		{string(Line()), 0, true},
		{"callscope-allocs", 0, false},
		{Prefix + "x1", 0, false},
		{"mock APNs: listening on https://127.0.0.1:1", 0, false},
	} {
		n, ok := Parse(tc.line)
		if ok != tc.ok || (tc.n != 0 && n != tc.n) {
			t.Errorf("Parse(%q) = %d, %v; want %d, %v", tc.line, n, ok, tc.n, tc.ok)
		}
	}
}

// TestAnswer: one line per signal, each parseable, counts not decreasing.
func TestAnswer(t *testing.T) {
	sig := make(chan os.Signal, 2)
	sig <- os.Interrupt
	sig <- os.Interrupt
	close(sig)
	var out bytes.Buffer
	answer(&out, sig)
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("answers %q: want two lines", out.String())
	}
	a, ok1 := Parse(lines[0])
	b, ok2 := Parse(lines[1])
	if !ok1 || !ok2 || b < a {
		t.Errorf("answers %q", lines)
	}
}
