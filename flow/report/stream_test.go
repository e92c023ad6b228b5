package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
)

// TestJSONStreamIsTheDocument: written call by call, the document is the one
// json.Encoder writes for the whole Output: the same keys in the same order,
// byte for byte, so readers of `send --json` see no change.
func TestJSONStreamIsTheDocument(t *testing.T) {
	warn := []Warning{{ID: "F-03", Device: "bob's iPhone", Field: "alerts_enabled", Detail: "alerts are off <b>"}}
	tests := []struct {
		name     string
		warnings []Warning
		calls    []flow.Call
		notes    []string
	}{
		{"no call ended", []Warning{}, nil, nil},
		{"one call", []Warning{}, []flow.Call{connected()}, nil},
		{"warnings, calls and notes", warn, []flow.Call{connected(), failedAtAPNs(), connected()}, []string{"a note"}},
		{"nil warnings are []", nil, []flow.Call{failedAtAPNs()}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sum := flow.NewSummary()
			want := Output{Warnings: tt.warnings, Calls: []CallJSON{}}
			if want.Warnings == nil {
				want.Warnings = []Warning{}
			}
			var got bytes.Buffer
			s := NewJSONStream(&got, tt.warnings)
			for _, c := range tt.calls {
				sum.Add(c)
				s.Call(c)
				want.Calls = append(want.Calls, ToJSON(c))
			}
			sj := SummaryToJSON(sum, time.Second)
			sj.Notes = tt.notes
			want.Summary = sj
			if err := s.Close(sj); err != nil {
				t.Fatal(err)
			}
			var enc bytes.Buffer
			e := json.NewEncoder(&enc)
			e.SetIndent("", "  ")
			if err := e.Encode(want); err != nil {
				t.Fatal(err)
			}
			if got.String() != enc.String() {
				t.Fatalf("streamed:\n%s\nwant (json.Encoder):\n%s", got.String(), enc.String())
			}
			if s.Calls() != len(tt.calls) {
				t.Errorf("Calls() = %d, want %d", s.Calls(), len(tt.calls))
			}
			assertSnakeKeys(t, got.Bytes())
		})
	}
}

// writes records each Write as it comes.
type writes struct{ got []string }

func (w *writes) Write(b []byte) (int, error) {
	w.got = append(w.got, string(b))
	return len(b), nil
}

// TestJSONStreamWritesEachCallAtOnce: a call is on the writer when Call
// returns, in one write; the stream keeps nothing of it for later.
func TestJSONStreamWritesEachCallAtOnce(t *testing.T) {
	var w writes
	s := NewJSONStream(&w, nil)
	head := len(w.got)
	for i := range 5 {
		c := connected()
		c.TraceID = strings.Repeat(string(rune('a'+i)), 32)
		s.Call(c)
		if len(w.got) != head+i+1 {
			t.Fatalf("after call %d: %d writes, want %d", i, len(w.got), head+i+1)
		}
		if last := w.got[len(w.got)-1]; strings.Count(last, `"trace_id"`) != 1 || !strings.Contains(last, c.TraceID) {
			t.Fatalf("call %d written as %q", i, last)
		}
	}
	if err := s.Close(SummaryToJSON(flow.NewSummary(), time.Second)); err != nil {
		t.Fatal(err)
	}
	if tail := strings.Join(w.got[head+5:], ""); strings.Contains(tail, `"trace_id"`) {
		t.Fatalf("calls written again at the end: %q", tail)
	}
}

type failing struct{ n int }

func (f *failing) Write(b []byte) (int, error) {
	if f.n--; f.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(b), nil
}

// TestJSONStreamReportsWriteErrors: the first failed write is what Close
// returns; nothing is written after it.
func TestJSONStreamReportsWriteErrors(t *testing.T) {
	f := &failing{n: 4}
	s := NewJSONStream(f, nil)
	for range 3 {
		s.Call(connected())
	}
	if err := s.Close(SummaryToJSON(flow.NewSummary(), time.Second)); err == nil || err.Error() != "disk full" {
		t.Fatalf("Close: %v, want disk full", err)
	}
	if f.n != -1 {
		t.Fatalf("%d writes after the failed one", -1-f.n)
	}
}

// BenchmarkJSONStreamRetained reports the heap the stream keeps per call
// written (flat: near zero) and the cost of writing one.
func BenchmarkJSONStreamRetained(b *testing.B) {
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	c := connected()
	s := NewJSONStream(discard{}, nil)
	before := heap()
	b.ResetTimer()
	for range b.N {
		s.Call(c)
	}
	b.StopTimer()
	after := heap()
	b.ReportMetric(float64(int64(after)-int64(before))/float64(b.N), "retained-B/call")
	runtime.KeepAlive(s)
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }
