package trace

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"
)

// FuzzReader: every input loads or is reported line by line; no panic,
// line numbers only grow, and a fatal error names the input. Memory is
// bounded by the line cap: the reader never holds more than one line.
func FuzzReader(f *testing.F) {
	good := `{"v":2,"trace_id":"a","stage":"apns","name":"received","time":"2026-12-02T01:00:00Z","push":{"method":"POST","headers":{"apns-topic":"x"},"payload":{"aps":{}}},"x":1}`
	seeds := []string{
		"", "\n", good, good + "\n" + good[:20],
		`{"v":2,"header":{"format":2,"callscope":"dev","start":"2026-12-02T01:00:00Z","extra":[1]}}` + "\n" + good + "\n",
		`{"v":9,"dropped":3}` + "\n" + `{"v":1,"trace_id":7}` + "\n",
		"\x00\x01binary", "{\"a\\u0022\":1,\"stage\":\"x\",\"name\":\"y\"}",
	}
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	zw.Write([]byte(good + "\n" + good + "\n"))
	zw.Close()
	seeds = append(seeds, zb.String(), zb.String()[:zb.Len()/2])
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r := NewReader("fuzz.jsonl", bytes.NewReader(in))
		r.Header()
		last := 0
		// Each call consumes a line or ends; DEFLATE expands at most ~1032×.
		for range 1100*len(in) + 10 {
			l, err := r.NextLine()
			var le *LineError
			switch {
			case err == nil:
				if l.Stage == "" || l.Name == "" {
					t.Fatalf("an event without stage or name: %+v", l)
				}
				if _, err := MarshalLine(l); err != nil && !strings.Contains(err.Error(), "Time.MarshalJSON") {
					t.Fatalf("a loaded line does not write back: %v", err)
				}
			case errors.As(err, &le):
				if le.Line < last || le.File != "fuzz.jsonl" {
					t.Fatalf("line error %v after line %d", le, last)
				}
				last = le.Line
			case errors.Is(err, io.EOF):
				return
			default:
				if !strings.HasPrefix(err.Error(), "fuzz.jsonl: ") {
					t.Fatalf("an error that does not name the file: %v", err)
				}
				if _, again := r.Next(); again == nil || again.Error() != err.Error() {
					t.Fatalf("a fatal error is not sticky: %v then %v", err, again)
				}
				return
			}
		}
		t.Fatalf("the reader did not finish %d bytes", len(in))
	})
}

// FuzzFastDecode: whatever the fast path decodes, encoding/json decodes to
// the same Line; the fast path is only ever a shortcut.
func FuzzFastDecode(f *testing.F) {
	for _, c := range fastDecodeCases {
		f.Add([]byte(c))
	}
	f.Fuzz(fastAsJSON)
}
