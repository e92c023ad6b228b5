package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
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
