package pipeline

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/device"
)

// TestRunsKeepNoCallState: after a batch of requests has ended and the
// devices have settled, no stage holds anything for them: not the caller
// (its sealed envelopes), not the devices (CallKit's calls, news of calls),
// not the pipeline's trackers. A long run stays flat.
func TestRunsKeepNoCallState(t *testing.T) {
	const n, c = 60, 8
	tests := []struct {
		name    string
		cfg     func(*Config)
		kind    flow.Kind
		outcome flow.Outcome
	}{
		{name: "calls connect", outcome: flow.OutcomeConnected},
		{name: "messages", kind: flow.KindMessage, outcome: flow.OutcomeShown},
		{name: "declined", outcome: flow.OutcomeDeclined,
			cfg: profile(func(p *device.Profile) { p.AnswerPolicy = device.AnswerDecline })},
		{name: "tampered: E_AUTH against the sender's copy", outcome: flow.OutcomeFailed,
			cfg: func(c *Config) { c.Sender.TamperCT = true }},
		{name: "replayed", outcome: flow.OutcomeConnected, cfg: func(c *Config) { c.Sender.Replay = true }},
		{name: "two devices, answered elsewhere", outcome: flow.OutcomeConnected, cfg: func(c *Config) {
			ipad := device.DefaultProfile()
			ipad.Name, ipad.AnswerPolicy = "iPad", device.AnswerIgnore
			c.Devices = []device.Profile{device.DefaultProfile(), ipad}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPipeline(t, func(cfg *Config) {
				cfg.Profile = device.DefaultProfile()
				if tt.cfg != nil {
					tt.cfg(cfg)
				}
				for i := range cfg.Devices {
					cfg.Devices[i].MaximumCallGroups = c
				}
				cfg.Profile.MaximumCallGroups = c
			})
			req := p.Compose()
			if tt.kind != "" {
				req.Kind = tt.kind
			}
			got := 0
			p.PlaceMany(context.Background(), req, n, c, func(call flow.Call) {
				got++
				if call.Outcome != tt.outcome {
					t.Errorf("outcome %s, want %s (%v)", call.Outcome, tt.outcome, call.Diag)
				}
			})
			if got != n {
				t.Fatalf("%d calls ended, want %d", got, n)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := p.Settle(ctx); err != nil {
				t.Fatal(err)
			}
			if k := p.caller.Pending(); k != 0 {
				t.Errorf("the caller still holds %d of %d ended requests", k, n)
			}
			for _, d := range p.callees {
				if k := d.Retained(); k != 0 {
					t.Errorf("%s still holds %d calls", d.Profile.Name, k)
				}
			}
			p.mu.RLock()
			open := len(p.open)
			p.mu.RUnlock()
			if open != 0 {
				t.Errorf("%d trackers left open", open)
			}
		})
	}
}

// BenchmarkRetainedPerCall reports the heap a run keeps per call made: the
// heap in use after 10·N calls less that after N, over 9·N. Flat memory is a
// figure near zero (the replay cache keeps 24 bytes of kid and nonce per
// push until ts + ttl + skew, by design).
func BenchmarkRetainedPerCall(b *testing.B) {
	const c = 64
	p := newPipeline(b, profile(func(pr *device.Profile) { pr.MaximumCallGroups = c }))
	req := p.Compose()
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	n := max(b.N, 200)
	p.PlaceMany(context.Background(), req, n, c, func(flow.Call) {})
	before := heap()
	p.PlaceMany(context.Background(), req, 9*n, c, func(flow.Call) {})
	after := heap()
	b.ReportMetric(float64(int64(after)-int64(before))/float64(9*n), "retained-B/call")
	b.ReportMetric(float64(after)/(1<<20), "heap-MB")
}
