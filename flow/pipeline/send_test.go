package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/device"
)

// TestSendAnswerPrecedence: --answer and --answer-after override the
// profile only when given; otherwise the profile (and --device-set) decide.
func TestSendAnswerPrecedence(t *testing.T) {
	five := 5 * time.Second
	tests := []struct {
		name     string
		opts     SendOptions
		outcome  flow.Outcome
		answered time.Duration // simulated "answered"/"declined", 0: none
	}{
		{"defaults", SendOptions{}, flow.OutcomeConnected, 2 * time.Second},
		{"profile says ignore", SendOptions{ProfileSet: []string{"answer=ignore", "ring_timeout=3s"}}, flow.OutcomeUnanswered, 0},
		{"profile's answer_after", SendOptions{ProfileSet: []string{"answer_after=40s"}}, flow.OutcomeConnected, 40 * time.Second},
		{"--answer beats the default", SendOptions{Answer: device.AnswerDecline}, flow.OutcomeDeclined, 2 * time.Second},
		{"--answer-after beats the profile", SendOptions{ProfileSet: []string{"answer_after=40s"}, AnswerAfter: &five}, flow.OutcomeConnected, 5 * time.Second},
		{"manual is ignore headless", SendOptions{ProfileSet: []string{"answer=manual", "ring_timeout=3s"}}, flow.OutcomeUnanswered, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			o.Count, o.Concurrency, o.Kind, o.JSON = 1, 1, flow.KindCall, true
			var out bytes.Buffer
			if _, err := RunSend(context.Background(), o, &out); err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Calls []struct {
					Outcome     flow.Outcome       `json:"outcome"`
					SimulatedMS map[string]float64 `json:"simulated_ms"`
				} `json:"calls"`
			}
			if err := json.Unmarshal(out.Bytes(), &doc); err != nil || len(doc.Calls) != 1 {
				t.Fatalf("output %s: %v", out.String(), err)
			}
			c := doc.Calls[0]
			if c.Outcome != tt.outcome {
				t.Fatalf("outcome %s, want %s", c.Outcome, tt.outcome)
			}
			got := time.Duration((c.SimulatedMS["answered"] + c.SimulatedMS["declined"]) * float64(time.Millisecond))
			if got != tt.answered {
				t.Fatalf("callee acted after %v (simulated), want %v", got, tt.answered)
			}
		})
	}
}

// TestSendWhileClosing: the screen may send as the user quits; Send then
// either starts a request that Close waits for, or says the pipeline closed.
func TestSendWhileClosing(t *testing.T) {
	p := newPipeline(t, nil)
	done := make(chan error, 1)
	go func() {
		for {
			if _, err := p.Send(p.Compose()); err != nil {
				done <- err
				return
			}
		}
	}()
	p.Close()
	select {
	case err := <-done:
		if err.Error() != "pipeline closed" {
			t.Fatalf("Send after Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Send kept succeeding after Close")
	}
}

// writeLog records each Write to it.
type writeLog struct {
	mu     sync.Mutex
	writes []string
}

func (w *writeLog) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes = append(w.writes, string(b))
	return len(b), nil
}

// TestSendJSONStreams: `send --json` writes each call as it ends, not all of
// them at the end (a long run's memory would grow with it), and the output
// is still one JSON document with every call, the warnings and the summary.
func TestSendJSONStreams(t *testing.T) {
	const n = 40
	var out writeLog
	o := SendOptions{Count: n, Concurrency: 8, Kind: flow.KindCall, JSON: true, ProfileSet: []string{"alerts_enabled=false"}}
	if _, err := RunSend(context.Background(), o, &out); err != nil {
		t.Fatal(err)
	}
	calls := 0
	for i, w := range out.writes {
		switch k := strings.Count(w, `"trace_id"`); {
		case k > 1:
			t.Fatalf("write %d of %d holds %d calls: they were kept to be written together", i, len(out.writes), k)
		case k == 1:
			calls++
		case strings.Contains(w, `"summary"`) && calls != n:
			t.Fatalf("the summary was written after %d of %d calls", calls, n)
		}
	}
	if calls != n {
		t.Fatalf("%d calls written one by one, want %d", calls, n)
	}
	var doc struct {
		Warnings []map[string]string `json:"warnings"`
		Calls    []struct {
			TraceID string       `json:"trace_id"`
			Outcome flow.Outcome `json:"outcome"`
		} `json:"calls"`
		Summary struct {
			Calls int `json:"calls"`
		} `json:"summary"`
	}
	dec := json.NewDecoder(strings.NewReader(strings.Join(out.writes, "")))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("output is not one JSON document: %v", err)
	}
	if dec.More() {
		t.Fatal("more than one JSON document")
	}
	ids := map[string]bool{}
	for _, c := range doc.Calls {
		ids[c.TraceID] = true
	}
	if len(doc.Calls) != n || len(ids) != n || doc.Summary.Calls != n {
		t.Fatalf("%d calls (%d distinct), summary %d, want %d", len(doc.Calls), len(ids), doc.Summary.Calls, n)
	}
	if len(doc.Warnings) == 0 || doc.Warnings[0]["id"] != "F-03" {
		t.Fatalf("warnings %v, want the profile's lint (F-03)", doc.Warnings)
	}
}
