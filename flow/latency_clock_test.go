package flow

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestCrossClockHops: a hop whose ends were timed on two clocks (this
// machine's and a real phone's) is shown as cross-device, never as a
// (possibly negative) latency, and counts towards neither the stage's
// latency nor the total; hops on one clock, even the phone's, are measured.
func TestCrossClockHops(t *testing.T) {
	phone := DeviceClock("iphone")
	on := func(e Event, clock string) Event { e.Clock = clock; return e }
	server := []Event{ev(StageSender, "start-call-action", 0), ev(StageServer, "received", 100), ev(StageAPNs, "accepted", 300)}
	device := func(skewUS int) []Event {
		return []Event{
			on(ev(StageExtension, "nse-run", 1000+skewUS), phone),
			on(ev(StageExtension, "decrypted", 1100+skewUS), phone),
			on(ev(StageCallKit, "pushkit-delivered", 1400+skewUS), phone),
			on(ev(StageCallKit, NameRinging, 1700+skewUS), phone),
		}
	}
	tests := []struct {
		name     string
		events   []Event
		measured map[Stage]time.Duration
		cross    map[Stage]time.Duration
		label    string // Label(StageAPNs)
		total    time.Duration
	}{
		{
			name: "one clock: every hop measured",
			events: append(append([]Event{}, server...), func() []Event {
				d := device(0)
				for i := range d {
					d[i].Clock = ""
				}
				return d
			}()...),
			measured: map[Stage]time.Duration{StageSender: 100 * time.Microsecond, StageServer: 200 * time.Microsecond,
				StageAPNs: 700 * time.Microsecond, StageExtension: 400 * time.Microsecond, StageCallKit: 300 * time.Microsecond},
			label: "700µs", total: 1700 * time.Microsecond,
		},
		{
			name:   "phone's clock behind but positive: the APNs→phone hop is approximate",
			events: append(append([]Event{}, server...), device(-200)...),
			measured: map[Stage]time.Duration{StageSender: 100 * time.Microsecond, StageServer: 200 * time.Microsecond,
				StageExtension: 400 * time.Microsecond, StageCallKit: 300 * time.Microsecond},
			cross: map[Stage]time.Duration{StageAPNs: 500 * time.Microsecond},
			label: "~500µs (cross-device clocks)", total: 1000 * time.Microsecond,
		},
		{
			name:   "phone's clock 12 ms behind: clock skew, not a negative hop",
			events: append(append([]Event{}, server...), device(-12000)...),
			measured: map[Stage]time.Duration{StageSender: 100 * time.Microsecond, StageServer: 200 * time.Microsecond,
				StageExtension: 400 * time.Microsecond, StageCallKit: 300 * time.Microsecond},
			cross: map[Stage]time.Duration{StageAPNs: -11300 * time.Microsecond},
			label: "clock skew (11.3ms behind)", total: 1000 * time.Microsecond,
		},
		{
			name:     "only the phone's events: measured on its clock",
			events:   device(-12000),
			measured: map[Stage]time.Duration{StageExtension: 400 * time.Microsecond, StageCallKit: 300 * time.Microsecond},
			total:    700 * time.Microsecond,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := ComputeLatency(tt.events)
			if len(l.Stages) != len(tt.measured) {
				t.Errorf("measured stages %v, want %v", l.Stages, tt.measured)
			}
			for s, want := range tt.measured {
				if got, ok := l.Get(s); !ok || got != want {
					t.Errorf("%s: %v (%v), want %v", s, got, ok, want)
				}
			}
			for s, d := range l.Stages {
				if d < 0 {
					t.Errorf("%s: negative latency %v", s, d)
				}
			}
			if len(l.CrossClock) != len(tt.cross) {
				t.Errorf("cross-clock hops %v, want %v", l.CrossClock, tt.cross)
			}
			for s, want := range tt.cross {
				if got := l.CrossClock[s]; got != want {
					t.Errorf("%s cross-clock %v, want %v", s, got, want)
				}
				if _, ok := l.Get(s); ok || !l.Reached(s) {
					t.Errorf("%s: a cross-clock hop must be reached but not measured", s)
				}
			}
			if tt.label != "" && l.Label(StageAPNs) != tt.label {
				t.Errorf("APNs label %q, want %q", l.Label(StageAPNs), tt.label)
			}
			if l.Total != tt.total {
				t.Errorf("total %v, want %v", l.Total, tt.total)
			}
			b, err := json.Marshal(l)
			if err != nil {
				t.Fatal(err)
			}
			var back Latency
			if err := json.Unmarshal(b, &back); err != nil || len(back.CrossClock) != len(tt.cross) || len(back.Stages) != len(tt.measured) {
				t.Fatalf("JSON round trip %s: %+v, %v", b, back, err)
			}
			if len(tt.cross) > 0 && !strings.Contains(string(b), `"cross_clock_us"`) {
				t.Errorf("JSON %s has no cross_clock_us", b)
			}
		})
	}
}

var negative = regexp.MustCompile(`[-−]\d`)

func TestCrossClockLabels(t *testing.T) {
	for _, d := range []time.Duration{12 * time.Millisecond, -12 * time.Millisecond, 0} {
		ls := CrossClockLabels(d)
		if ls[0] != CrossClockLabel(d) {
			t.Errorf("%v: first label %q", d, ls[0])
		}
		for i, l := range ls {
			if negative.MatchString(l) {
				t.Errorf("%v: label %q shows a negative number", d, l)
			}
			if i > 0 && len(l) >= len(ls[i-1]) {
				t.Errorf("%v: labels not shortest last: %q", d, ls)
			}
		}
	}
}

// TestStartedOnThisMachinesClock: a call starts when this machine's first
// event says, not earlier because a phone's clock runs behind; a call seen
// only from the phone starts on the phone's clock.
func TestStartedOnThisMachinesClock(t *testing.T) {
	phone := DeviceClock("iphone")
	behind := func(e Event) Event { e.Clock, e.Time = phone, e.Time.Add(-10*time.Second); return e }
	tests := []struct {
		name   string
		events []Event
		want   time.Time
	}{
		{"server first", []Event{ev(StageSender, "compose", 0), behind(ev(StageExtension, "did-receive", 900))}, at(0)},
		{"phone first", []Event{behind(ev(StageExtension, "did-receive", 900)), ev(StageSender, "compose", 0), ev(StageServer, "received", 100)}, at(0)},
		{"phone only", []Event{behind(ev(StageCallKit, "ringing", 950)), behind(ev(StageExtension, "did-receive", 900))}, at(900).Add(-10 * time.Second)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := NewCalls()
			for _, e := range tt.events {
				cs.Add(e)
			}
			if c, _ := cs.Get("t"); !c.Started.Equal(tt.want) {
				t.Fatalf("started %v, want %v", c.Started, tt.want)
			}
		})
	}
}
