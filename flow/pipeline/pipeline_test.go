package pipeline

import (
	"context"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/device"
	"github.com/callscope/callscope/internal/cputime"
)

func newPipeline(t testing.TB, mod func(*Config)) *Pipeline {
	t.Helper()
	cfg := Config{}
	if mod != nil {
		mod(&cfg)
	}
	p, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

func profile(mod func(*device.Profile)) func(*Config) {
	return func(c *Config) {
		c.Profile = device.DefaultProfile()
		mod(&c.Profile)
	}
}

// TestEndToEnd drives real HTTP to the provider, real HTTP/2 over TLS with
// apns2 to the mock APNs, real HPKE, and the simulated iPhone to CallKit.
func TestEndToEnd(t *testing.T) {
	tests := []struct {
		name    string
		cfg     func(*Config)
		kind    flow.Kind
		outcome flow.Outcome
		stages  int
		reason  string
		diag    flow.Code
		at      flow.Stage
		apple   string
	}{
		{name: "call connects", kind: flow.KindCall, outcome: flow.OutcomeConnected, stages: 5},
		{name: "message is shown", kind: flow.KindMessage, outcome: flow.OutcomeShown, stages: 4},
		{name: "callee declines", kind: flow.KindCall, outcome: flow.OutcomeDeclined, stages: 5, reason: device.EndedRemoteEnded,
			cfg: profile(func(p *device.Profile) { p.AnswerPolicy = device.AnswerDecline })},
		{name: "ring times out", kind: flow.KindCall, outcome: flow.OutcomeUnanswered, stages: 5, reason: device.EndedUnanswered,
			cfg: profile(func(p *device.Profile) { p.AnswerPolicy = device.AnswerIgnore })},
		{name: "no filtering entitlement", kind: flow.KindCall, outcome: flow.OutcomeFailed, stages: 4,
			diag: flow.CodeReportFailed, at: flow.StageExtension, apple: appleMissingEntitlementName,
			cfg: profile(func(p *device.Profile) { p.FilteringEntitlement = false })},
		{name: "alerts disabled: NSE not run", kind: flow.KindCall, outcome: flow.OutcomeFailed, stages: 4,
			diag: flow.CodeNSENotRun, at: flow.StageExtension,
			cfg: profile(func(p *device.Profile) { p.AlertsEnabled = false })},
		{name: "app never reports the call", kind: flow.KindCall, outcome: flow.OutcomeFailed, stages: 5,
			diag: flow.CodeAppKilled, at: flow.StageCallKit,
			cfg: profile(func(p *device.Profile) { p.ReportsCall = false })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPipeline(t, tt.cfg)
			req := p.Compose()
			req.Kind = tt.kind
			c := p.Place(context.Background(), req)
			if c.Outcome != tt.outcome {
				t.Fatalf("outcome %q, want %q (diagnosis %v)", c.Outcome, tt.outcome, c.Diag)
			}
			if len(c.Latency.Stages) != tt.stages {
				t.Fatalf("stages %v, want %d", c.Latency.Stages, tt.stages)
			}
			for s, d := range c.Latency.Stages {
				if (d <= 0 && !c.Latency.Instant[s]) || d > 5*time.Second {
					t.Errorf("%s latency %v", s, d)
				}
			}
			// CallKit's part is system calls around simulated waits: no
			// latency, shown as instantaneous (issue 9 item 1).
			if tt.stages == 5 && tt.diag == "" && !c.Latency.Instant[flow.StageCallKit] {
				t.Errorf("callkit %v is not instantaneous", c.Latency.Stages[flow.StageCallKit])
			}
			if c.TraceID == "" || c.CallID == "" || c.ApnsID == "" {
				t.Errorf("ids missing: %+v", c)
			}
			if tt.reason != "" && c.Reason != tt.reason {
				t.Errorf("ended reason %q, want %q", c.Reason, tt.reason)
			}
			if tt.diag != "" {
				if c.Diag == nil || c.Diag.Code != tt.diag || c.Diag.Stage != tt.at {
					t.Fatalf("diagnosis %v, want %s at %s", c.Diag, tt.diag, tt.at)
				}
				if !strings.Contains(c.Diag.Apple, tt.apple) {
					t.Errorf("no Apple name in %v", c.Diag)
				}
			}
			if tt.outcome == flow.OutcomeConnected {
				if c.Latency.Simulated["app-launch"] != device.DefaultProfile().AppLaunch ||
					c.Latency.Simulated["answered"] != device.DefaultProfile().AnswerAfter {
					t.Errorf("simulated %v", c.Latency.Simulated)
				}
			}
		})
	}
}

const appleMissingEntitlementName = "missingNotificationFilteringEntitlement"

func TestManualAnswerFromTheScreen(t *testing.T) {
	p := newPipeline(t, func(c *Config) {
		c.Profile = device.DefaultProfile()
		c.Profile.AnswerPolicy = device.AnswerManual
		c.Clock = flow.RealClock{}
	})
	sub := p.Bus().Subscribe(1024)
	if _, err := p.Send(p.Compose()); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(10 * time.Second)
	for {
		select {
		case e := <-sub.Events():
			if e.Stage == flow.StageCallKit && e.Name == flow.NameRinging {
				if err := p.Answer(e.CallID); err != nil {
					t.Fatal(err)
				}
				if err := p.Answer("no-such-call"); err == nil {
					t.Fatal("answering an unknown call succeeded")
				}
			}
			if e.Outcome != "" {
				if e.Outcome != flow.OutcomeConnected {
					t.Fatalf("outcome %s: %v", e.Outcome, e.Diagnosis)
				}
				return
			}
		case <-deadline:
			t.Fatal("no outcome within 10s")
		}
	}
}

// BenchmarkCall is one full call through every stage at c=1 and c=64, with
// CPU per call over the whole process; c=64/load-gc runs the collector as
// send does (LoadGC), beside c=64 with the default in the same run.
func BenchmarkCall(b *testing.B) {
	for _, name := range []string{"c=1", "c=64", "c=64/load-gc"} {
		c := map[string]int{"c=1": 1, "c=64": 64, "c=64/load-gc": 64}[name]
		b.Run(name, func(b *testing.B) {
			if strings.HasSuffix(name, "load-gc") {
				defer LoadGC()()
			}
			// A load run is many callers ringing one callee: lift CallKit's
			// call-group limit as send does for --concurrency.
			p := newPipeline(b, profile(func(pr *device.Profile) { pr.MaximumCallGroups = 2 * c }))
			req := p.Compose()
			// Warm the connections and the caller's key directory.
			p.Place(context.Background(), req)
			b.ResetTimer()
			if c == 1 {
				var took []time.Duration
				for b.Loop() {
					t0 := time.Now()
					if got := p.Place(context.Background(), req); got.Outcome != flow.OutcomeConnected {
						b.Fatalf("outcome %s: %v", got.Outcome, got.Diag)
					}
					took = append(took, time.Since(t0))
				}
				slices.Sort(took)
				b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs")
				return
			}
			cpu0 := cputime.Process()
			defer func() {
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
				b.ReportMetric(float64((cputime.Process()-cpu0).Microseconds())/float64(b.N), "cpu-µs/call")
			}()
			// RunParallel runs GOMAXPROCS×parallelism goroutines.
			b.SetParallelism(max(1, c/runtime.GOMAXPROCS(0)))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if got := p.Place(context.Background(), req); got.Outcome != flow.OutcomeConnected {
						b.Errorf("outcome %s: %v", got.Outcome, got.Diag)
					}
				}
			})
		})
	}
}

// TestPushCrossesTheDeviceLink: APNs hands each push to its device over that
// device's own persistent TLS connection (issue 9 item 1): "delivered" names
// the connection, each device keeps one for every call, and the device reads
// the push after APNs wrote it. Before, delivery was a Go call in the mock.
func TestPushCrossesTheDeviceLink(t *testing.T) {
	ipad := device.DefaultProfile()
	ipad.Name = "iPad"
	p, err := New(context.Background(), Config{Devices: []device.Profile{device.DefaultProfile(), ipad}})
	if err != nil {
		t.Fatal(err)
	}
	sub := p.Bus().Subscribe(1 << 12)
	for range 2 {
		if c := p.Place(context.Background(), p.Compose()); c.Outcome != flow.OutcomeConnected {
			t.Fatalf("outcome %s: %v", c.Outcome, c.Diag)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	p.Close()
	links := map[string]bool{}
	delivered := map[string]time.Time{}
	var received []flow.Event
	for e := range sub.Events() {
		switch {
		case e.Stage == flow.StageAPNs && e.Name == "delivered":
			if !strings.HasPrefix(e.Attrs["link"], "tls 127.0.0.1:") {
				t.Errorf("delivered over %q, want a TLS connection", e.Attrs["link"])
			}
			links[e.Attrs["link"]] = true
			delivered[e.ApnsID] = e.Time
		case e.Stage == flow.StageExtension && e.Name == "push-received":
			received = append(received, e)
		case e.Name == "start-call-action" || e.Name == "report-new-incoming-call" || e.Name == flow.NameRinging:
			if !e.Instant || e.Duration != 0 {
				t.Errorf("%s %s: instant %v duration %v, want an instant system call", e.Stage, e.Name, e.Instant, e.Duration)
			}
		}
	}
	if len(links) != 2 {
		t.Errorf("pushes of 2 calls to 2 devices went over %d connections %v, want 2 (one persistent link per device)", len(links), links)
	}
	if len(received) != 4 {
		t.Fatalf("%d push-received events, want 4", len(received))
	}
	for _, e := range received {
		if w, ok := delivered[e.ApnsID]; !ok || e.Time.Before(w) {
			t.Errorf("push %s read at %v, written at %v (ok %v)", e.ApnsID, e.Time, w, ok)
		}
	}
	mock, devs := p.DeviceLinks()
	if mock == nil || len(devs) != 0 {
		t.Errorf("after Close: mock %v, device ends %v", mock, devs)
	}
}

// TestDeviceLinksOnePerDevice: while the run is up, each device holds one
// link to the mock's device-link listener, and offline devices none until
// ConnectDevices.
func TestDeviceLinksOnePerDevice(t *testing.T) {
	for _, offline := range []bool{false, true} {
		p := newPipeline(t, func(c *Config) {
			c.Devices = []device.Profile{device.DefaultProfile(), device.DefaultProfile(), device.DefaultProfile()}
			c.APNs.Offline = offline
		})
		mock, devs := p.DeviceLinks()
		want := 3
		if offline {
			want = 0
		}
		if mock == nil || len(devs) != want || p.mock.DeviceLinks() != want {
			t.Fatalf("offline %v: mock %v, %d device ends (%d at the mock), want %d", offline, mock, len(devs), p.mock.DeviceLinks(), want)
		}
		if offline {
			if err := p.ConnectDevices(); err != nil {
				t.Fatal(err)
			}
			if _, devs = p.DeviceLinks(); len(devs) != 3 {
				t.Fatalf("after ConnectDevices: %d links", len(devs))
			}
		}
	}
}
