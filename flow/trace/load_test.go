package trace

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
)

func TestRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	rec := NewRecorder(&buf)
	defer rec.Close()
	t0 := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)
	in := []flow.Event{
		{TraceID: "a", Stage: flow.StageSender, Name: "sealed", Time: t0},
		{TraceID: "a", Stage: flow.StageAPNs, Name: "accepted", Time: t0.Add(time.Millisecond), Attrs: map[string]string{"status": "200"}},
	}
	for _, e := range in {
		rec.Emit(e)
	}
	rec.Flush()
	r := NewReader("t.jsonl", &buf)
	for i, want := range in {
		got, err := r.Next()
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if got.TraceID != want.TraceID || got.Name != want.Name || !got.Time.Equal(want.Time) || got.Attrs["status"] != want.Attrs["status"] {
			t.Errorf("event %d = %+v, want %+v", i, got, want)
		}
	}
	if _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the last event: %v, want EOF", err)
	}
}

func TestBadLinesAreReportedAndSkipped(t *testing.T) {
	good := `{"v":1,"trace_id":"a","stage":"sender","name":"sealed","time":"2026-12-02T01:00:00Z"}`
	tests := []struct {
		name    string
		body    string
		events  int
		badLine []int
		reason  string
	}{
		{"not JSON", good + "\n{oops\n" + good + "\n", 2, []int{2}, "not JSON"},
		{"wrong type", good + "\n" + `{"v":1,"trace_id":7,"stage":"sender","name":"x"}` + "\n" + good + "\n", 2, []int{2}, "field trace_id"},
		{"no stage", `{"v":1,"trace_id":"a","name":"x"}` + "\n" + good + "\n", 1, []int{1}, "no stage"},
		{"blank lines", "\n" + good + "\n\n" + good + "\n", 2, nil, ""},
		{"truncated last line", good + "\n" + good[:30], 1, []int{2}, "truncated last line"},
		{"no final newline", good, 1, nil, ""},
		{"overlong line", good + "\n" + strings.Repeat("x", maxLine+10) + "\n" + good + "\n", 2, []int{2}, "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "t.jsonl")
			if err := os.WriteFile(path, []byte(tt.body), 0o600); err != nil {
				t.Fatal(err)
			}
			var bad []*LineError
			events, err := Load(path, func(le *LineError) { bad = append(bad, le) })
			if err != nil {
				t.Fatal(err)
			}
			if len(events) != tt.events {
				t.Errorf("%d events, want %d", len(events), tt.events)
			}
			if len(bad) != len(tt.badLine) {
				t.Fatalf("bad lines %v, want lines %v", bad, tt.badLine)
			}
			for i, le := range bad {
				if le.Line != tt.badLine[i] || le.File != path || !strings.Contains(le.Reason, tt.reason) {
					t.Errorf("bad line %d = %v, want line %d with %q", i, le, tt.badLine[i], tt.reason)
				}
			}
		})
	}
}

func TestOpenADirectory(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Fatalf("Open(dir) = %v, want an error naming a directory", err)
	}
}
