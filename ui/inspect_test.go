package ui

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/flow"
)

// longHint is longer than any line at 80 columns: the pane cuts it, the
// opened event must not.
const longHint = "request com.apple.developer.usernotifications.filtering for the NSE in the App ID's capabilities, regenerate the provisioning profile, and report the call with CallKit before the extension returns (docs/failures.md F-09)"

// pushRecord is a push as the mock records it: the JWT's signature redacted,
// an envelope in the payload.
func pushRecord(t testing.TB) *flow.PushRecord {
	t.Helper()
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	bytesOf := func(n int, b byte) envelope.B64 {
		out := make([]byte, n)
		for i := range out {
			out[i] = b + byte(i)
		}
		return out
	}
	env := &envelope.Envelope{V: 1, Alg: "hpke-x25519-sha256-chacha20poly1305", KID: bytesOf(8, 0x10),
		Rcpt: bytesOf(16, 0x20), TS: base.Unix(), TTL: 45, Nonce: bytesOf(16, 0x40), Enc: bytesOf(32, 0x60), CT: bytesOf(48, 0x80)}
	payload, err := json.Marshal(envelope.NewPayload(env))
	if err != nil {
		t.Fatal(err)
	}
	return &flow.PushRecord{Method: "POST", Path: "/3/device/7f3e9a1c0b2d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789ab",
		Headers: map[string]string{
			"apns-push-type": "voip", "apns-topic": "org.example.app.voip", "apns-priority": "10", "apns-expiration": "0",
			"authorization": "bearer " + b64(`{"alg":"ES256","kid":"ABC123DEFG"}`) + "." + b64(`{"iss":"DEF123GHIJ","iat":1796126400}`) + ".<signature redacted>",
		},
		Payload: payload, Status: 200, ApnsID: "5e9d7d40-bca0-405c-95ef-eb8910a73cb4", UniqueID: "a6a7b3c1-0000-4000-8000-000000000001"}
}

// pushCall is a call whose APNs receipt carries the push, failing in the
// extension with a hint longer than a line.
func pushCall(t testing.TB) []flow.Event {
	trace, id := traceOf(callUUID(3)), callUUID(3)
	all := failedEvents(trace, id, base)
	all[3].Push = pushRecord(t)
	last := &all[len(all)-1]
	d := *last.Diagnosis
	d.Hint = longHint
	last.Diagnosis = &d
	return all
}

// longCall is a call with more events than any screen shows at once.
func longCall(n int) []flow.Event {
	trace := traceOf(callUUID(4))
	out := make([]flow.Event, n)
	for i := range out {
		out[i] = ev(trace, callUUID(4), flow.StageExtension, fmt.Sprintf("step-%02d", i), base.Add(time.Duration(i)*time.Millisecond), 0)
	}
	return out
}

func TestReadKeys(t *testing.T) {
	long := func() Model { return feed(newTestModel(&fakeController{}), longCall(40)...) }
	tests := []struct {
		name  string
		keys  []string
		focus pane
		cur   int  // the event cursor; -1 when it follows the newest
		open  bool // an event is opened whole
	}{
		{"start", nil, paneCalls, -1, false},
		{"tab", []string{"tab"}, paneLadder, -1, false},
		{"tab twice", []string{"tab", "tab"}, paneEvents, -1, false},
		{"tab wraps", []string{"tab", "tab", "tab"}, paneCalls, -1, false},
		{"shift+tab", []string{"shift+tab"}, paneEvents, -1, false},
		{"k", []string{"shift+tab", "k"}, paneEvents, 38, false},
		{"k k j", []string{"shift+tab", "k", "k", "j"}, paneEvents, 38, false},
		{"g", []string{"shift+tab", "g"}, paneEvents, 0, false},
		{"g k stays", []string{"shift+tab", "g", "k"}, paneEvents, 0, false},
		{"g pgdown", []string{"shift+tab", "g", "pgdown"}, paneEvents, 14, false},
		{"g pgdown pgup", []string{"shift+tab", "g", "pgdown", "pgup"}, paneEvents, 0, false},
		{"G follows", []string{"shift+tab", "g", "G"}, paneEvents, -1, false},
		{"j at the end follows", []string{"shift+tab", "k", "j"}, paneEvents, -1, false},
		{"enter opens", []string{"shift+tab", "g", "enter"}, paneEvents, 0, true},
		{"esc closes", []string{"shift+tab", "g", "enter", "esc"}, paneEvents, 0, false},
		{"keys wait while open", []string{"shift+tab", "g", "enter", "tab", "n", "a"}, paneEvents, 0, true},
		{"j in calls moves calls", []string{"g", "j"}, paneCalls, -1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := press(long(), tt.keys...)
			if m.read.focus != tt.focus {
				t.Errorf("focus %s, want %s", paneNames[m.read.focus], paneNames[tt.focus])
			}
			c, _ := m.selected()
			_, rows := m.eventArea()
			cur, _, _ := m.eventWindow(c.TraceID, 40, rows)
			if tt.cur == -1 {
				if m.read.pinned {
					t.Errorf("cursor pinned at %d, want it following the newest", m.read.cur)
				}
			} else if cur != tt.cur || !m.read.pinned {
				t.Errorf("cursor %d (pinned %v), want %d", cur, m.read.pinned, tt.cur)
			}
			if (m.read.insp != nil) != tt.open {
				t.Errorf("opened %v, want %v", m.read.insp != nil, tt.open)
			}
			if m.compose != nil {
				t.Error("n reached the composer behind an opened event")
			}
		})
	}
}

// TestObserverOpens: a screen that only watches reads events whole too;
// enter there opens, it does not send.
func TestObserverOpens(t *testing.T) {
	m := feed(newObserver(), pushCall(t)...)
	m = press(m, "shift+tab", "enter")
	if m.read.insp == nil {
		t.Fatalf("enter on the observer's events pane did not open the event; status %q", m.status)
	}
}

// TestReplayKeysWaitWhileOpen: the replay's step keys do not move the
// trace behind an opened event.
func TestReplayKeysWaitWhileOpen(t *testing.T) {
	r := NewReplayModel(pushCall(t), ReplayOptions{Paused: true, Options: Options{NoColor: true, Location: time.UTC}})
	for _, k := range []string{"l", "l", "l"} {
		next, _ := r.Update(key(k))
		r = next.(ReplayModel)
	}
	for _, k := range []tea.Msg{tea.WindowSizeMsg{Width: 80, Height: 24}, key("shift+tab"), key("enter")} {
		next, _ := r.Update(k)
		r = next.(ReplayModel)
	}
	if r.m.read.insp == nil {
		t.Fatal("enter did not open the event in the replay")
	}
	pos := r.pos
	next, _ := r.Update(key("l"))
	if r = next.(ReplayModel); r.pos != pos {
		t.Errorf("→ stepped the replay to %d behind an opened event", r.pos)
	}
}

// TestEventWindow: the cursor stays in view and the position line counts.
func TestEventWindow(t *testing.T) {
	m := feed(newTestModel(&fakeController{}), longCall(40)...)
	m = press(m, "shift+tab", "g")
	s := screen(t, m, 120, 40)
	if !strings.Contains(s, "step-00") || strings.Contains(s, "step-39") {
		t.Fatalf("g does not show the first event alone:\n%s", s)
	}
	if !strings.Contains(s, "… events 1–") {
		t.Fatalf("no position line:\n%s", s)
	}
	m = press(m, "G")
	if s := screen(t, m, 120, 40); !strings.Contains(s, "step-39") {
		t.Fatalf("G does not show the newest event:\n%s", s)
	}
}

// TestInspectWhole: an opened event shows every part in full, nothing cut.
func TestInspectWhole(t *testing.T) {
	m := feed(newTestModel(&fakeController{}), pushCall(t)...)
	m = press(m, "shift+tab", "enter") // the newest event: the failure
	next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m = next.(Model)
	text := ansi.Strip(strings.Join(m.inspectText(80), "\n"))
	joined := strings.Join(strings.Fields(text), " ")
	for _, want := range []string{"hint: " + longHint, "REPORT_FAILED", "Apple's name: missingNotificationFilteringEntitlement", "source: docs/failures.md"} {
		if !strings.Contains(joined, want) {
			t.Errorf("the opened failure lacks %q:\n%s", want, text)
		}
	}
	for _, l := range m.inspectText(80) {
		if ansi.StringWidth(l) > 80 {
			t.Errorf("line wider than the screen: %q", ansi.Strip(l))
		}
	}

	m = press(m, "esc", "g", "j", "j", "j", "enter") // the APNs receipt
	text = ansi.Strip(strings.Join(m.inspectText(80), "\n"))
	for _, want := range []string{
		"POST /3/device/7f3e9a1c0b2d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789ab",
		`header: {"alg":"ES256","kid":"ABC123DEFG"}`, `claims: {"iss":"DEF123GHIJ","iat":1796126400}`,
		"apns-push-type: voip", `"vpe": {`, `"aps": {`, "status: 200", "apns-id: 5e9d7d40-bca0-405c-95ef-eb8910a73cb4",
		"alg: hpke-x25519-sha256-chacha20poly1305", "kid: 1011121314151617", "AAD (58 bytes)", "56504531",
		"The call's diagnosis",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the opened push lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "signature redacted") {
		t.Error("the JWT's signature part reached the screen")
	}
}

// TestMouse: a click selects a call and an event; the wheel scrolls.
func TestMouse(t *testing.T) {
	m := newTestModel(&fakeController{})
	m = feed(m, ringingEvents(traceOf(callUUID(1)), callUUID(1), base)...)
	m = feed(m, longCall(40)...)
	click := func(m Model, x, y int) Model {
		next, _ := m.Update(tea.MouseClickMsg{X: x, Y: y, Button: tea.MouseLeft})
		return next.(Model)
	}
	m = click(m, 5, 2) // the list's first call: row 0 header, 1 title
	if m.sel != 0 || m.read.focus != paneCalls {
		t.Fatalf("click on the first call: sel %d focus %s", m.sel, paneNames[m.read.focus])
	}
	m = click(m, 60, 3)
	if m.read.focus != paneLadder {
		t.Fatalf("click on the ladder: focus %s", paneNames[m.read.focus])
	}
	m = click(m, 5, 3) // the second call, the long one
	top, _, _ := m.bodyLayout()
	first, _ := m.eventArea()
	m = click(m, 10, top+1+first+1) // under the position line: the first event shown
	if m.read.focus != paneEvents || !m.read.pinned {
		t.Fatalf("click on an event: focus %s pinned %v", paneNames[m.read.focus], m.read.pinned)
	}
	was := m.read.cur
	next, _ := m.Update(tea.MouseWheelMsg{X: 10, Y: top + 5, Button: tea.MouseWheelUp})
	if m = next.(Model); m.read.cur != was-1 {
		t.Fatalf("wheel up: cursor %d, want %d", m.read.cur, was-1)
	}
	m = feed(m, pushCall(t)...)
	m = click(m, 10, top+1+2) // the failed call's diagnosis, under its title
	if m.read.insp == nil || m.read.insp.ev.Diagnosis == nil {
		t.Fatalf("a click on the diagnosis did not open its event: %+v", m.read.insp)
	}
	if v := m.View(); v.MouseMode != tea.MouseModeCellMotion {
		t.Error("the screen does not ask for mouse events")
	}
}

// TestReadGolden drives the program as a person does: a long call scrolled
// to its start, and a push opened, at both sizes.
func TestReadGolden(t *testing.T) {
	states := []struct {
		name   string
		events func(t testing.TB) []flow.Event
		keys   []tea.Msg
	}{
		{"scrolled", func(testing.TB) []flow.Event { return longCall(40) },
			[]tea.Msg{key("tab"), key("tab"), key("g"), key("j"), key("j")}},
		{"push", pushCall, []tea.Msg{key("tab"), key("tab"), key("g"), key("j"), key("j"), key("j"), key("enter")}},
		{"failure", pushCall, []tea.Msg{tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}, key("enter")}},
	}
	for _, st := range states {
		for _, size := range [][2]int{{80, 24}, {120, 40}} {
			t.Run(fmt.Sprintf("%s_%dx%d", st.name, size[0], size[1]), func(t *testing.T) {
				m := NewModel(&fakeController{}, Options{NoColor: true, Location: time.UTC, Header: Header{Mode: "embedded default"}})
				tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(size[0], size[1]))
				for _, e := range st.events(t) {
					tm.Send(EventMsg{Event: e})
				}
				for _, k := range st.keys {
					tm.Send(k)
				}
				tm.Send(key("q"))
				final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
				golden.RequireEqual(t, ansi.Strip(final.View().Content))
			})
		}
	}
}
