package flow

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func at(us int) time.Time { return t0.Add(time.Duration(us) * time.Microsecond) }

func ev(stage Stage, name string, atUS int) Event {
	return Event{TraceID: "t", Stage: stage, Name: name, Time: at(atUS)}
}

func TestComputeLatency(t *testing.T) {
	launch := Event{TraceID: "t", Stage: StageCallKit, Name: "app-launch", Time: at(900),
		Duration: 350 * time.Millisecond, Simulated: true, Waited: 200 * time.Microsecond}
	fail := ev(StageExtension, "placeholder-shown", 750)
	fail.Diagnosis = &Diagnosis{Stage: StageExtension, Code: "E_AUTH"}
	tests := []struct {
		name   string
		events []Event
		want   map[Stage]time.Duration
		total  time.Duration
		sim    map[string]time.Duration
	}{
		{
			name: "call rings: each stage runs to the next, last to ringing, simulated wait subtracted",
			events: []Event{
				ev(StageSender, "start-call-action", 0), ev(StageSender, "sealed", 50),
				ev(StageServer, "received", 200), ev(StageAPNs, "received", 500),
				ev(StageExtension, "push-received", 600), launch,
				ev(StageCallKit, "pushkit-delivered", 1100), ev(StageCallKit, NameRinging, 1300),
				ev(StageCallKit, "answered", 99000),
			},
			want: map[Stage]time.Duration{StageSender: 200 * time.Microsecond, StageServer: 300 * time.Microsecond,
				StageAPNs: 100 * time.Microsecond, StageExtension: 300 * time.Microsecond, StageCallKit: 200 * time.Microsecond},
			total: 1100 * time.Microsecond,
			sim:   map[string]time.Duration{"app-launch": 350 * time.Millisecond},
		},
		{
			name: "real-time screen: the wait for the callee after ringing is no stage's",
			events: []Event{
				ev(StageSender, "start-call-action", 0), ev(StageServer, "received", 100),
				ev(StageAPNs, "received", 200), ev(StageExtension, "push-received", 300),
				ev(StageCallKit, "pushkit-delivered", 400), ev(StageCallKit, NameRinging, 600),
				{TraceID: "t", Stage: StageCallKit, Name: "answered", Time: at(700),
					Duration: 9 * time.Second, Simulated: true, Waited: 9 * time.Second},
			},
			want: map[Stage]time.Duration{StageSender: 100 * time.Microsecond, StageServer: 100 * time.Microsecond,
				StageAPNs: 100 * time.Microsecond, StageExtension: 100 * time.Microsecond, StageCallKit: 200 * time.Microsecond},
			total: 600 * time.Microsecond,
			sim:   map[string]time.Duration{"answered": 9 * time.Second},
		},
		{
			name: "a warning (rotated key) does not end the path",
			events: []Event{
				ev(StageSender, "compose", 0), ev(StageServer, "received", 100), ev(StageAPNs, "received", 200),
				ev(StageExtension, "push-received", 300),
				{TraceID: "t", Stage: StageExtension, Name: "decrypted", Time: at(350),
					Diagnosis: &Diagnosis{Stage: StageExtension, Code: "W_ROTATED_KEY", Warning: true}},
				ev(StageExtension, NameShown, 500),
			},
			want: map[Stage]time.Duration{StageSender: 100 * time.Microsecond, StageServer: 100 * time.Microsecond,
				StageAPNs: 100 * time.Microsecond, StageExtension: 200 * time.Microsecond},
			total: 500 * time.Microsecond,
		},
		{
			name: "message shown ends at the extension",
			events: []Event{
				ev(StageSender, "compose", 0), ev(StageServer, "received", 100), ev(StageAPNs, "received", 300),
				ev(StageExtension, "push-received", 400), ev(StageExtension, NameShown, 480),
				ev(StageSender, "delivered", 900),
			},
			want: map[Stage]time.Duration{StageSender: 100 * time.Microsecond, StageServer: 200 * time.Microsecond,
				StageAPNs: 100 * time.Microsecond, StageExtension: 80 * time.Microsecond},
			total: 480 * time.Microsecond,
		},
		{
			name: "failure at the extension ends the path there, out of order input",
			events: []Event{
				fail, ev(StageExtension, "push-received", 700), ev(StageAPNs, "received", 300),
				ev(StageSender, "compose", 0), ev(StageServer, "received", 100),
			},
			want: map[Stage]time.Duration{StageSender: 100 * time.Microsecond, StageServer: 200 * time.Microsecond,
				StageAPNs: 400 * time.Microsecond, StageExtension: 50 * time.Microsecond},
			total: 750 * time.Microsecond,
		},
		{
			name:   "sender only: runs to its last event's end",
			events: []Event{ev(StageSender, "compose", 0), {TraceID: "t", Stage: StageSender, Name: "sealed", Time: at(10), Duration: 90 * time.Microsecond}},
			want:   map[Stage]time.Duration{StageSender: 100 * time.Microsecond},
			total:  100 * time.Microsecond,
		},
		{name: "no events", want: map[Stage]time.Duration{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := ComputeLatency(tt.events)
			if len(l.Stages) != len(tt.want) {
				t.Fatalf("stages = %v, want %v", l.Stages, tt.want)
			}
			for s, d := range tt.want {
				if l.Stages[s] != d {
					t.Errorf("%s = %v, want %v", s, l.Stages[s], d)
				}
			}
			if l.Total != tt.total {
				t.Errorf("total = %v, want %v", l.Total, tt.total)
			}
			for n, d := range tt.sim {
				if l.Simulated[n] != d {
					t.Errorf("simulated %s = %v, want %v", n, l.Simulated[n], d)
				}
			}
		})
	}
}

func TestLatencyJSONRoundTrip(t *testing.T) {
	in := Latency{Stages: map[Stage]time.Duration{StageSender: 1500 * time.Nanosecond, StageAPNs: 2 * time.Millisecond},
		Simulated: map[string]time.Duration{"app-launch": 350 * time.Millisecond}, Total: 2001500 * time.Nanosecond}
	b, err := in.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var out Latency
	if err := out.UnmarshalJSON(b); err != nil {
		t.Fatal(err)
	}
	if out.Stages[StageSender] != in.Stages[StageSender] || out.Stages[StageAPNs] != in.Stages[StageAPNs] ||
		out.Total != in.Total || out.Simulated["app-launch"] != in.Simulated["app-launch"] {
		t.Fatalf("round trip: %s → %+v", b, out)
	}
}

func TestFormatDuration(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{412 * time.Microsecond, "412µs"}, {1300 * time.Microsecond, "1.3ms"}, {2040 * time.Millisecond, "2.04s"},
		{0, "0µs"}, {time.Millisecond, "1ms"},
	} {
		if got := FormatDuration(tt.d); got != tt.want {
			t.Errorf("FormatDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

// TestInstantStage: a stage made only of instant system calls and simulated
// waits has no latency and is marked instant; one real event in its span
// makes it measured again. The mark survives JSON and is kept out of the
// summary's percentiles.
func TestInstantStage(t *testing.T) {
	sys := func(stage Stage, name string, us int) Event {
		e := ev(stage, name, us)
		e.Instant = true
		return e
	}
	launch := Event{TraceID: "t", Stage: StageCallKit, Name: "app-launch", Time: at(900),
		Duration: 350 * time.Millisecond, Simulated: true}
	path := func(callkit ...Event) []Event {
		return append([]Event{sys(StageSender, "start-call-action", 0), ev(StageSender, "sealed", 50),
			ev(StageServer, "received", 200), ev(StageAPNs, "received", 500),
			ev(StageExtension, "push-received", 600), launch}, callkit...)
	}
	tests := []struct {
		name    string
		events  []Event
		instant bool
		callkit time.Duration
	}{
		{"system calls only", path(sys(StageCallKit, "pushkit-delivered", 910), sys(StageCallKit, NameRinging, 930)), true, 0},
		{"a measured event", path(sys(StageCallKit, "pushkit-delivered", 910), ev(StageCallKit, "work", 920),
			sys(StageCallKit, NameRinging, 930)), false, 30 * time.Microsecond},
		{"events after the path end do not count", path(sys(StageCallKit, NameRinging, 930), ev(StageCallKit, "answered", 5000)), true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := ComputeLatency(tc.events)
			d, ok := l.Get(StageCallKit)
			if !ok || l.Instant[StageCallKit] != tc.instant || d != tc.callkit {
				t.Fatalf("callkit %v reached %v instant %v, want %v instant %v", d, ok, l.Instant[StageCallKit], tc.callkit, tc.instant)
			}
			if l.Instant[StageSender] {
				t.Error("the sender seals and posts: not instant")
			}
			if want := 900*time.Microsecond + tc.callkit; l.Total != want {
				t.Errorf("total %v, want %v", l.Total, want)
			}
			wantLabel := FormatDuration(tc.callkit)
			if tc.instant {
				wantLabel = InstantLabel
			}
			if got := l.Label(StageCallKit); got != wantLabel {
				t.Errorf("label %q, want %q", got, wantLabel)
			}
			b, err := l.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			var back Latency
			if err := back.UnmarshalJSON(b); err != nil {
				t.Fatal(err)
			}
			if back.Instant[StageCallKit] != tc.instant {
				t.Errorf("JSON %s lost the instant mark", b)
			}
			s := NewSummary()
			s.Add(Call{Latency: l})
			_, n := s.Percentile(StageCallKit, 50)
			if tc.instant && (n != 0 || s.Instant(StageCallKit) != 1) || !tc.instant && n != 1 {
				t.Errorf("summary: %d samples, %d instant", n, s.Instant(StageCallKit))
			}
		})
	}
}
