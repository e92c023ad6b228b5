package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/bus"
	"github.com/callscope/callscope/flow/device"
	flowtrace "github.com/callscope/callscope/flow/trace"
)

// TestSendJSONCountsUnrecorded: with --record, `send --json` says how many
// events the trace lacks, 0 included, so a reader of the JSON alone knows
// the trace is whole; without --record it says nothing.
func TestSendJSONCountsUnrecorded(t *testing.T) {
	for _, record := range []bool{true, false} {
		t.Run(map[bool]string{true: "record", false: "no record"}[record], func(t *testing.T) {
			opts := SendOptions{Count: 2, Concurrency: 1, Kind: flow.KindMessage, JSON: true, Answer: device.AnswerAuto}
			if record {
				opts.Record = filepath.Join(t.TempDir(), "trace.jsonl")
			}
			var out bytes.Buffer
			if _, err := RunSend(context.Background(), opts, &out); err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Summary map[string]any `json:"summary"`
			}
			if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, out.String())
			}
			n, has := doc.Summary["events_not_recorded"]
			if has != record || record && n != float64(0) {
				t.Fatalf("summary events_not_recorded = %v (present %v), want 0 with --record only", n, has)
			}
		})
	}
}

// TestFinishRecord: what the trace lacks is counted and named, whether the
// recorder's subscription dropped events or a write failed, or both.
func TestFinishRecord(t *testing.T) {
	for _, tc := range []struct {
		name      string
		dropped   int // events the subscription could not hold
		failAfter int // writes that succeed; -1 never fails
		written   int
		want      uint64
		errHas    []string
	}{
		{name: "whole", failAfter: -1, written: 3},
		{name: "disk fell behind", dropped: 4, failAfter: -1, written: 3, want: 4, errHas: []string{"--record t.jsonl: 4 events were dropped"}},
		{name: "write failed", failAfter: 1, written: 3, want: 2, errHas: []string{"--record t.jsonl: 2 events not recorded", "disk full"}},
		{name: "both", dropped: 2, failAfter: 0, written: 3, want: 5, errHas: []string{"2 events dropped", "3 events not recorded"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := bus.New()
			sub := b.Subscribe(1)
			for range 1 + tc.dropped {
				b.Emit(flow.Event{TraceID: "t"})
			}
			b.Close()
			rec := flowtrace.NewRecorder(&failAfter{n: tc.failAfter})
			for range tc.written {
				rec.Emit(flow.Event{TraceID: "t"})
			}
			n, err := finishRecord(rec, sub, "t.jsonl")
			if n != tc.want {
				t.Errorf("not recorded %d, want %d", n, tc.want)
			}
			if len(tc.errHas) == 0 && err != nil {
				t.Fatalf("error %v", err)
			}
			for _, h := range tc.errHas {
				if err == nil || !strings.Contains(err.Error(), h) {
					t.Errorf("error %v, want %q", err, h)
				}
			}
		})
	}
}

type failAfter struct{ n, writes int }

func (w *failAfter) Write(p []byte) (int, error) {
	w.writes++
	if w.n >= 0 && w.writes > w.n {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}
