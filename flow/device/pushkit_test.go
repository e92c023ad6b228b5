package device

import (
	"errors"
	"strings"
	"testing"

	"github.com/callscope/callscope/flow"
)

// TestAnsweredElsewhere: iPhone and iPad ring for one call; the iPhone
// answers and the iPad ends with answeredElsewhere, as the apps tell each
// other (the pipeline's Signal does the same).
func TestAnsweredElsewhere(t *testing.T) {
	tests := []struct {
		name string
		// early: the iPhone answers before the iPad's push arrives.
		early bool
	}{{"both ringing", false}, {"answered before the iPad got the push", true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder()
			ipad := DefaultProfile()
			ipad.Name, ipad.AnswerPolicy, ipad.RingTimeout = "iPad", AnswerManual, 0
			var phones []*phone
			rec.onSignal = func(s Signal) {
				if s.Kind != SignalAnswered {
					return
				}
				for _, ph := range phones {
					if ph.Profile.Name != s.Device {
						ph.EndElsewhere(s.CallID, false)
					}
				}
			}
			iphone := DefaultProfile()
			if !tt.early {
				// Answered below, once both ring. No ring limit: on a
				// virtual clock it would fire at once.
				iphone.AnswerPolicy, iphone.RingTimeout = AnswerManual, 0
			}
			phones = []*phone{newPhone(t, iphone, rec, flow.VirtualClock{}), newPhone(t, ipad, rec, flow.VirtualClock{})}
			p0, callID := phones[0].push(t, request{})
			p1, _ := phones[1].push(t, request{callID: callID})
			p1.TraceID = p0.TraceID // one request, two devices

			phones[0].Deliver(p0)
			if tt.early {
				if s := rec.next(t, p0.TraceID); s.Kind != SignalAnswered || s.Device != "iPhone" {
					t.Fatalf("first signal %+v, want the iPhone answering", s)
				}
				phones[1].Deliver(p1)
			} else {
				phones[1].Deliver(p1)
				rec.ringing(t, "iPhone", callID)
				rec.ringing(t, "iPad", callID)
				if err := phones[0].Answer(callID); err != nil {
					t.Fatal(err)
				}
				if s := rec.next(t, p0.TraceID); s.Kind != SignalAnswered || s.Device != "iPhone" {
					t.Fatalf("signal %+v, want the iPhone answering", s)
				}
			}
			for _, ph := range phones {
				ph.settle(t)
			}
			var rang, elsewhere int
			for _, e := range rec.trace(p0.TraceID) {
				if e.Name == flow.NameRinging {
					rang++
				}
				if e.Attrs[flow.AttrEndedReason] == EndedAnsweredElsewhere {
					elsewhere++
					if e.Attrs[AttrState] != string(S10) {
						t.Errorf("answeredElsewhere in state %s, want S10", e.Attrs[AttrState])
					}
				}
			}
			if rang != 2 || elsewhere != 1 {
				t.Fatalf("rang %d times, %d answeredElsewhere; want 2 and 1\n%s", rang, elsewhere, names(rec.trace(p0.TraceID)))
			}
			if r := phones[1].Ringing(); len(r) != 0 {
				t.Fatalf("iPad still rings %v", r)
			}
		})
	}
}

func TestAnswerDecline(t *testing.T) {
	rec := newRecorder()
	prof := DefaultProfile()
	prof.AnswerPolicy, prof.RingTimeout = AnswerManual, 0
	ph := newPhone(t, prof, rec, flow.VirtualClock{})
	if err := ph.Answer("NOPE"); !errors.Is(err, ErrNotRinging) {
		t.Fatalf("answer a call that is not ringing: %v", err)
	}
	p, callID := ph.push(t, request{})
	ph.Deliver(p)
	rec.ringing(t, prof.Name, callID)
	if err := ph.Decline(callID); err != nil {
		t.Fatal(err)
	}
	if s := rec.next(t, p.TraceID); s.Kind != SignalDeclined {
		t.Fatalf("signal %s, want declined", s.Kind)
	}
	ph.settle(t)
	if err := ph.Decline(callID); !errors.Is(err, ErrNotRinging) {
		t.Fatalf("decline twice: %v", err)
	}
}

// TestVoIPBlock: iOS stops launching the app after K VoIP payloads in a row
// that it failed to report; a report in between resets the count, and so
// does reinstalling.
func TestVoIPBlock(t *testing.T) {
	type step struct {
		typ      string // call.invite or call.hangup (relayed: the app cannot report it)
		want     flow.Code
		failures int // the count after the step
	}
	kill, block, ring := flow.CodeAppKilled, CodeVoIPBlocked, flow.Code("")
	tests := []struct {
		name      string
		prof      func(*Profile)
		steps     []step
		reinstall int // reinstall before this step (1-based; 0: never)
	}{
		{name: "never reports: blocked on the fourth", prof: func(p *Profile) { p.ReportsCall = false },
			steps: []step{{"", kill, 1}, {"", kill, 2}, {"", kill, 3}, {"", block, 3}, {"", block, 3}}},
		{name: "reinstall lifts the block", prof: func(p *Profile) { p.ReportsCall = false }, reinstall: 4,
			steps: []step{{"", kill, 1}, {"", kill, 2}, {"", kill, 3}, {"", kill, 1}}},
		{name: "a report in between resets", prof: func(p *Profile) { p.RelaysHangups = true },
			steps: []step{{"call.hangup", kill, 1}, {"call.hangup", kill, 2}, {"", ring, 0},
				{"call.hangup", kill, 1}, {"call.hangup", kill, 2}, {"call.hangup", kill, 3}, {"", block, 3}}},
		{name: "threshold 1", prof: func(p *Profile) { p.ReportsCall, p.VoIPBlockThreshold = false, 1 },
			steps: []step{{"", kill, 1}, {"", block, 1}}},
		{name: "threshold 0 never blocks", prof: func(p *Profile) { p.ReportsCall, p.VoIPBlockThreshold = false, 0 },
			steps: []step{{"", kill, 1}, {"", kill, 2}, {"", kill, 3}, {"", kill, 4}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			prof := DefaultProfile()
			tt.prof(&prof)
			rec := newRecorder()
			ph := newPhone(t, prof, rec, flow.VirtualClock{})
			for i, st := range tt.steps {
				if tt.reinstall == i+1 {
					ph.Reinstall()
				}
				p, _ := ph.push(t, request{typ: st.typ})
				ph.Deliver(p)
				ph.settle(t)
				var got flow.Code
				if d := firstDiag(rec.trace(p.TraceID)); d != nil {
					got = d.Code
				}
				if got != st.want || ph.VoIPFailures() != st.failures {
					t.Fatalf("step %d (%s): %q with %d failures, want %q with %d\n%s", i+1, st.typ, got, ph.VoIPFailures(),
						st.want, st.failures, names(rec.trace(p.TraceID)))
				}
			}
		})
	}
}

// TestBlockedAppNeverLaunches: once blocked, the app is not even launched:
// no simulated launch time is spent and no PushKit delivery happens.
func TestBlockedAppNeverLaunches(t *testing.T) {
	prof := DefaultProfile()
	prof.VoIPFailures = prof.VoIPBlockThreshold
	rec := newRecorder()
	ph := newPhone(t, prof, rec, flow.VirtualClock{})
	p, _ := ph.push(t, request{})
	ph.Deliver(p)
	if s := rec.next(t, p.TraceID); s.Diag == nil || s.Diag.Code != CodeVoIPBlocked {
		t.Fatalf("signal %+v", s)
	}
	ph.settle(t)
	got := names(rec.trace(p.TraceID))
	if strings.Contains(got, "app-launch") || strings.Contains(got, "pushkit-delivered") {
		t.Fatalf("a blocked app was launched: %s", got)
	}
}

// TestCallerHangsUpWhileRinging: a hang-up for a ringing call ends it with
// .remoteEnded; it is not the callee declining.
func TestCallerHangsUpWhileRinging(t *testing.T) {
	rec := newRecorder()
	prof := DefaultProfile()
	prof.AnswerPolicy, prof.RingTimeout = AnswerManual, 0
	ph := newPhone(t, prof, rec, flow.VirtualClock{})
	p, callID := ph.push(t, request{})
	ph.Deliver(p)
	rec.ringing(t, prof.Name, callID)
	hang, _ := ph.push(t, request{typ: "call.hangup", callID: callID})
	ph.Deliver(hang)
	if s := rec.next(t, p.TraceID); s.Kind != SignalUnanswered {
		t.Fatalf("signal %s, want unanswered (the caller gave up)", s.Kind)
	}
	ph.settle(t)
	var ended string
	for _, e := range rec.trace(p.TraceID) {
		if e.Name == "declined" {
			t.Fatalf("a hang-up was recorded as the callee declining: %+v", e)
		}
		if e.Stage == flow.StageCallKit && e.Name == "ended" {
			ended = e.Attrs[flow.AttrEndedReason]
		}
	}
	if ended != EndedRemoteEnded {
		t.Fatalf("ended reason %q, want %s", ended, EndedRemoteEnded)
	}
}
