package provider

import (
	"encoding/hex"
	"strings"
	"testing"
)

// traceIDSplit is TraceID as it was, splitting and decoding: the reference
// the in-place reading must agree with.
func traceIDSplit(traceparent string) string {
	p := strings.Split(traceparent, "-")
	if len(p) != 4 || len(p[0]) != 2 || len(p[1]) != 32 || len(p[2]) != 16 || len(p[3]) != 2 {
		return ""
	}
	if _, err := hex.DecodeString(p[1]); err != nil || p[1] == strings.Repeat("0", 32) {
		return ""
	}
	return p[1]
}

var traceParentSeeds = []string{
	"00-0123456789abcdef0123456789abcdef-0123456789abcdef-01",
	"00-0123456789ABCDEF0123456789abcdef-0123456789abcdef-01",
	"00-00000000000000000000000000000000-0123456789abcdef-01",
	"00-0123456789abcdef0123456789abcdeg-0123456789abcdef-01",
	"00-0123456789abcdef0123456789abcdef-0123456789abcdef-0-",
	"0--0123456789abcdef0123456789abcdef-0123456789abcdef-01",
	"00-0123456789abcdef0123456789abcdef-0123456789abcd-f-01",
	"00-0123456789abcdef0123456789abcdef-0123456789abcdef01",
	"00-0123456789abcdef0123456789abcdef-0123456789abcdef-01-",
	"xx-0123456789abcdef0123456789abcdef-zzzzzzzzzzzzzzzz-zz",
	"00-0123456789abcdef0123456789abcdef-0123456789abcdef-é",
	"",
}

// TestTraceIDAsSplit: the trace id read in place is the one splitting
// and decoding gave, for well-formed and broken traceparents.
func TestTraceIDAsSplit(t *testing.T) {
	tp, _ := NewTraceParent()
	for _, s := range append(traceParentSeeds, tp) {
		if got, want := TraceID(s), traceIDSplit(s); got != want {
			t.Errorf("TraceID(%q) = %q, want %q", s, got, want)
		}
	}
	var id string
	if n := testing.AllocsPerRun(100, func() { id = TraceID(tp) }); n != 0 || id == "" {
		t.Errorf("TraceID allocates %v times", n)
	}
}

func FuzzTraceID(f *testing.F) {
	for _, s := range traceParentSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := TraceID(s), traceIDSplit(s); got != want {
			t.Fatalf("TraceID(%q) = %q, want %q", s, got, want)
		}
	})
}
