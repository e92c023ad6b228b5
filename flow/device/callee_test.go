package device

import (
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/transport/provider"
)

// TestStateMachine delivers one push per case to a fresh iPhone and checks
// the states its events pass through (docs/device-rules.md#states), the signal the caller
// gets, and the diagnosis with Apple's name.
func TestStateMachine(t *testing.T) {
	tests := []struct {
		name  string
		prof  func(*Profile)
		rq    request
		path  string     // states entered, repeats folded
		kind  SignalKind // what the caller hears
		code  flow.Code  // first diagnosis; "" for none
		apple string     // contained in the diagnosis's Apple name
	}{
		{name: "call answered", path: "S2 S3 S4 S5 S6 S7 S8 S9", kind: SignalAnswered},
		{name: "message shown", rq: request{typ: "message"}, path: "S2 S3 S4 S5", kind: SignalShown},
		{name: "declined", prof: func(p *Profile) { p.AnswerPolicy = AnswerDecline },
			path: "S2 S3 S4 S5 S6 S7 S8 S10", kind: SignalDeclined},
		{name: "rings out", prof: func(p *Profile) { p.AnswerPolicy = AnswerIgnore },
			path: "S2 S3 S4 S5 S6 S7 S8 S10", kind: SignalUnanswered, code: flow.CodeUnanswered, apple: "CXCallEndedReason.unanswered (3)"},
		{name: "answer slower than the ring limit", prof: func(p *Profile) { p.AnswerAfter = 61 * time.Second },
			path: "S2 S3 S4 S5 S6 S7 S8 S10", kind: SignalUnanswered, code: flow.CodeUnanswered},
		{name: "no ring limit", prof: func(p *Profile) { p.AnswerAfter, p.RingTimeout = 5*time.Minute, 0 },
			path: "S2 S3 S4 S5 S6 S7 S8 S9", kind: SignalAnswered},
		{name: "no mutable-content", rq: request{opts: provider.PushOptions{OmitMutableContent: true}},
			path: "S2", kind: SignalFailed, code: flow.CodeNSENotRun},
		{name: "no alert text", rq: request{opts: provider.PushOptions{NoAlertText: true}},
			path: "S2", kind: SignalFailed, code: flow.CodeNSENotRun},
		{name: "background push type", rq: request{opts: provider.PushOptions{PushType: "background"}},
			path: "S2", kind: SignalFailed, code: flow.CodeNSENotRun},
		{name: "alerts disabled", prof: func(p *Profile) { p.AlertsEnabled = false },
			path: "S2", kind: SignalFailed, code: flow.CodeNSENotRun},
		{name: "no extension", prof: func(p *Profile) { p.NSEInstalled = false },
			path: "S2", kind: SignalFailed, code: flow.CodeNSENotRun},
		{name: "memory cap", prof: func(p *Profile) { p.NSEMemoryMB, p.NSEMemoryCapMB = 13, 12 },
			path: "S2 S3", kind: SignalFailed, code: CodeNSEKilled, apple: "limit=12 MB"},
		{name: "startup watchdog", prof: func(p *Profile) { p.NSEStartup = 6 * time.Second },
			path: "S2 S3", kind: SignalFailed, code: CodeNSEKilled, apple: "used its runtime in starting up"},
		{name: "time budget", prof: func(p *Profile) { p.NSEWork = 31 * time.Second },
			path: "S2 S3", kind: SignalFailed, code: CodeNSETimeExpired, apple: "serviceExtensionTimeWillExpire"},
		{name: "work within budget", prof: func(p *Profile) { p.NSEWork = 29 * time.Second },
			path: "S2 S3 S4 S5 S6 S7 S8 S9", kind: SignalAnswered},
		{name: "locked, keys WhenUnlocked", prof: func(p *Profile) { p.Locked, p.KeysAfterFirstUnlock = true, false },
			path: "S2 S3 S4", kind: SignalFailed, code: CodeKeysLocked, apple: "errSecInteractionNotAllowed (-25308)"},
		{name: "locked, keys AfterFirstUnlock", prof: func(p *Profile) { p.Locked = true },
			path: "S2 S3 S4 S5 S6 S7 S8 S9", kind: SignalAnswered},
		{name: "before first unlock", prof: func(p *Profile) { p.BeforeFirstUnlock = true },
			path: "S2 S3 S4", kind: SignalFailed, code: CodeKeysLocked},
		{name: "stale invite", prof: func(p *Profile) { p.FreshnessLimit = 10 * time.Second }, rq: request{backdate: 20 * time.Second},
			path: "S2 S3 S4", kind: SignalFailed, code: CodeStale},
		{name: "expired envelope", rq: request{backdate: 5 * time.Minute},
			path: "S2 S3 S4", kind: SignalFailed, code: "E_EXPIRED"},
		{name: "iOS 14.4", prof: func(p *Profile) { p.IOS = "14.4" },
			path: "S2 S3 S4 S5", kind: SignalFailed, code: CodeCallKitOff},
		{name: "iOS 14.5", prof: func(p *Profile) { p.IOS = "14.5" },
			path: "S2 S3 S4 S5 S6 S7 S8 S9", kind: SignalAnswered},
		{name: "China", prof: func(p *Profile) { p.Region = "CN" },
			path: "S2 S3 S4 S5", kind: SignalFailed, code: CodeCallKitOff},
		{name: "no filtering entitlement", prof: func(p *Profile) { p.FilteringEntitlement = false },
			path: "S2 S3 S4 S5", kind: SignalFailed, code: flow.CodeReportFailed, apple: "missingNotificationFilteringEntitlement (2)"},
		{name: "no entitlement, unsilenced", prof: func(p *Profile) { p.FilteringEntitlement, p.MissingEntitlement = false, "unsilenced" },
			path: "S2 S3 S4 S5 S6 S7 S8 S9", kind: SignalAnswered, code: CodeNotSilenced},
		{name: "content handler first", prof: func(p *Profile) { p.ContentHandlerFirst = true },
			path: "S2 S3 S4 S5", kind: SignalFailed, code: CodeInvalidProcess, apple: "invalidClientProcess (1)"},
		{name: "no PushKit delegate", prof: func(p *Profile) { p.PushKitDelegate = false },
			path: "S2 S3 S4 S5 S6", kind: SignalFailed, code: flow.CodeAppKilled, apple: "0xbaadca11"},
		{name: "delegate blocks past the deadline", prof: func(p *Profile) { p.DelegateBlock = 8 * time.Second },
			path: "S2 S3 S4 S5 S6 S7", kind: SignalFailed, code: flow.CodeAppKilled, apple: "0xbaadca11"},
		{name: "delegate blocks within the deadline", prof: func(p *Profile) { p.DelegateBlock = 6 * time.Second },
			path: "S2 S3 S4 S5 S6 S7 S8 S9", kind: SignalAnswered},
		{name: "never reports", prof: func(p *Profile) { p.ReportsCall = false },
			path: "S2 S3 S4 S5 S6 S7", kind: SignalFailed, code: flow.CodeAppKilled, apple: "never posted an incoming call"},
		{name: "blocked after failures", prof: func(p *Profile) { p.VoIPFailures = 3 },
			path: "S2 S3 S4 S5 S6", kind: SignalFailed, code: CodeVoIPBlocked, apple: "too many times"},
		{name: "no voip background mode", prof: func(p *Profile) { p.VoIPBackgroundMode = false },
			path: "S2 S3 S4 S5 S6 S7", kind: SignalFailed, code: flow.CodeIncomingFailed, apple: "unentitled (1)"},
		{name: "Do Not Disturb", prof: func(p *Profile) { p.DoNotDisturb = true },
			path: "S2 S3 S4 S5 S6 S7", kind: SignalFailed, code: CodeFiltered, apple: "filteredByDoNotDisturb (3)"},
		{name: "Do Not Disturb, allowed caller", prof: func(p *Profile) { p.DoNotDisturb, p.AllowedCallers = true, []string{"alice@example.org"} },
			path: "S2 S3 S4 S5 S6 S7 S8 S9", kind: SignalAnswered},
		{name: "blocked caller", prof: func(p *Profile) { p.Blocked = []string{"alice@example.org"} },
			path: "S2 S3 S4 S5 S6 S7", kind: SignalFailed, code: CodeFiltered, apple: "filteredByBlockList (4)"},
		{name: "call groups full", prof: func(p *Profile) { p.MaximumCallGroups, p.ActiveCalls = 2, 2 },
			path: "S2 S3 S4 S5 S6 S7", kind: SignalFailed, code: CodeCallLimit, apple: "maximumCallGroupsReached"},
		{name: "answer not fulfilled in time", prof: func(p *Profile) { p.AnswerFulfill = 11 * time.Second },
			path: "S2 S3 S4 S5 S6 S7 S8 S9 S10", kind: SignalFailed, code: CodeActionTimedOut, apple: "timedOutPerforming"},
		{name: "message as a voip push", rq: request{typ: "message", opts: provider.PushOptions{PushType: "voip"}},
			path: "S2 S6 S7", kind: SignalFailed, code: flow.CodeAppKilled, apple: "never posted an incoming call"},
		{name: "call as a voip push", rq: request{opts: provider.PushOptions{PushType: "voip"}},
			path: "S2 S6 S7 S8 S9", kind: SignalAnswered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			prof := DefaultProfile()
			if tt.prof != nil {
				tt.prof(&prof)
			}
			if err := prof.Validate(); err != nil {
				t.Fatal(err)
			}
			rec := newRecorder()
			ph := newPhone(t, prof, rec, flow.VirtualClock{})
			p, _ := ph.push(t, tt.rq)
			ph.Deliver(p)
			sig := rec.next(t, p.TraceID)
			ph.settle(t)
			evs := rec.trace(p.TraceID)
			if got := path(evs); got != tt.path {
				t.Errorf("path %q, want %q\n%s", got, tt.path, names(evs))
			}
			if sig.Kind != tt.kind {
				t.Errorf("signal %s, want %s (%v)", sig.Kind, tt.kind, sig.Diag)
			}
			d := firstDiag(evs)
			switch {
			case tt.code == "" && d != nil:
				t.Errorf("unexpected diagnosis %v", d)
			case tt.code != "" && d == nil:
				t.Errorf("no diagnosis, want %s", tt.code)
			case tt.code != "":
				if d.Code != tt.code || !strings.Contains(d.Apple, tt.apple) {
					t.Errorf("diagnosis %s (%s), want %s (%s)", d.Code, d.Apple, tt.code, tt.apple)
				}
				if d.Detail == "" || d.Hint == "" {
					t.Errorf("diagnosis without detail or hint: %+v", d)
				}
			}
			if sig.Kind == SignalFailed && (sig.Diag == nil || sig.Diag.Code != tt.code) {
				t.Errorf("failure signal carries %v, want %s", sig.Diag, tt.code)
			}
		})
	}
}

// TestSimulatedTimeIsLabelled: every wait on the phone is simulated time on
// the event, and a virtual clock spends none of it.
func TestSimulatedTimeIsLabelled(t *testing.T) {
	rec := newRecorder()
	ph := newPhone(t, DefaultProfile(), rec, flow.VirtualClock{})
	p, _ := ph.push(t, request{})
	ph.Deliver(p)
	rec.next(t, p.TraceID)
	ph.settle(t)
	sim := map[string]time.Duration{}
	for _, e := range rec.trace(p.TraceID) {
		if e.Simulated {
			sim[e.Name] = e.Duration
			if e.Waited != 0 {
				t.Errorf("%s waited %s of wall time on a virtual clock", e.Name, e.Waited)
			}
		}
	}
	pr := DefaultProfile()
	want := map[string]time.Duration{"nse-launch": pr.NSEStartup, "app-launch": pr.AppLaunch,
		"answered": pr.AnswerAfter, "answer-fulfil": pr.AnswerFulfill}
	for n, d := range want {
		if sim[n] != d {
			t.Errorf("simulated %s = %s, want %s (all: %v)", n, sim[n], d, sim)
		}
	}
}
