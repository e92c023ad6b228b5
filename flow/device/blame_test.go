package device

import (
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
)

// TestHeldPushBlame: a push APNs held is laid at APNs's door only when it
// would have been in time without the hold: fresh by the app's limit, or
// within ts + ttl + the receiver's configured skew at arrival less the time
// held. Otherwise the stage that refused it keeps the blame. A push APNs
// stored while the device's link was down says so, not "mock fault".
func TestHeldPushBlame(t *testing.T) {
	tests := []struct {
		name      string
		skew      time.Duration // the receiver's (0: its default, 30 s)
		freshness time.Duration
		backdate  time.Duration // the sender's ts, before now
		accepted  time.Duration // when APNs accepted it, before now
		fw        flow.Forwarding
		stage     flow.Stage
		code      flow.Code
		detail    []string // the diagnosis' detail and hint contain these
		notDetail []string // and not these
	}{
		{name: "expired anyway: 100 ms hold does not explain 3 min",
			backdate: 5 * time.Minute, accepted: 230 * time.Second, fw: flow.Forwarding{Fault: "delay 100ms", Held: 100 * time.Millisecond},
			stage: flow.StageExtension, code: "E_EXPIRED"},
		{name: "expired by the hold",
			backdate: 100 * time.Second, accepted: 60 * time.Second, fw: flow.Forwarding{Fault: "delay 60s", Held: 60 * time.Second},
			stage: flow.StageAPNs, code: flow.CodeDeliveredLate, detail: []string{"mock fault: delay 60s", "without the hold it was in time"}},
		{name: "configured skew 5 s: a 5 s hold does not explain it",
			skew: 5 * time.Second, backdate: 60 * time.Second, accepted: 15 * time.Second, fw: flow.Forwarding{Fault: "delay 5s", Held: 5 * time.Second},
			stage: flow.StageExtension, code: "E_EXPIRED"},
		{name: "configured skew 5 s: a 15 s hold does",
			skew: 5 * time.Second, backdate: 60 * time.Second, accepted: 15 * time.Second, fw: flow.Forwarding{Fault: "delay 15s", Held: 15 * time.Second},
			stage: flow.StageAPNs, code: flow.CodeDeliveredLate},
		{name: "stored while offline, stale by the store",
			freshness: 10 * time.Second, backdate: 18 * time.Second, accepted: 16 * time.Second,
			fw:    flow.Forwarding{Fault: flow.FaultStoredOffline, Held: 15 * time.Second},
			stage: flow.StageAPNs, code: flow.CodeDeliveredLate,
			detail: []string{"stored while the device's connection to APNs was down", "15s (measured)", "stored for an offline device"}, notDetail: []string{"mock fault"}},
		{name: "delay then stored",
			freshness: 10 * time.Second, backdate: 30 * time.Second, accepted: 29 * time.Second,
			fw:    flow.Forwarding{Fault: "delay 20s, " + flow.FaultStoredOffline, Held: 28 * time.Second},
			stage: flow.StageAPNs, code: flow.CodeDeliveredLate, detail: []string{"mock fault: delay 20s; then stored while"}},
		{name: "stale without the hold too",
			freshness: 10 * time.Second, backdate: 20 * time.Second, accepted: 19 * time.Second, fw: flow.Forwarding{Fault: "delay 1s", Held: time.Second},
			stage: flow.StageExtension, code: CodeStale, detail: []string{"over the limit even without that"}, notDetail: []string{"without delay"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			prof := DefaultProfile()
			prof.FreshnessLimit = tt.freshness
			rec := newRecorder()
			ph := newPhone(t, prof, rec, flow.VirtualClock{})
			ph.Skew = tt.skew
			p, _ := ph.push(t, request{backdate: tt.backdate})
			p.Accepted = time.Now().Add(-tt.accepted)
			fw := tt.fw
			p.Forward = &fw
			ph.Deliver(p)
			rec.next(t, p.TraceID)
			ph.settle(t)
			d := firstDiag(rec.trace(p.TraceID))
			if d == nil {
				t.Fatalf("no diagnosis, want %s %s", tt.stage, tt.code)
			}
			if d.Stage != tt.stage || d.Code != tt.code {
				t.Fatalf("diagnosis %s %s, want %s %s (%s)", d.Stage, d.Code, tt.stage, tt.code, d.Detail)
			}
			text := d.Detail + " | " + d.Hint
			for _, s := range tt.detail {
				if !strings.Contains(text, s) {
					t.Errorf("diagnosis %q lacks %q", text, s)
				}
			}
			for _, s := range tt.notDetail {
				if strings.Contains(text, s) {
					t.Errorf("diagnosis %q says %q", text, s)
				}
			}
		})
	}
}
