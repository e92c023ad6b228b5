package ui

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/crypto/receiver"
	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/device"
	"github.com/callscope/callscope/flow/pipeline"
)

// fakeStager is a controller that also runs composed requests: it records
// them and previews a fixed envelope.
type fakeStager struct {
	fakeController
	smu      sync.Mutex
	composed []Composed
	previews []Composed
}

func (f *fakeStager) Choices() ComposeChoices {
	return ComposeChoices{
		Scenarios: []ScenarioChoice{
			{Name: "audio-call", Source: "docs/device-rules.md", Description: "an audio call rings and is answered", Outcome: flow.OutcomeConnected, Kind: flow.KindCall},
			{Name: "no-mutable-content", Stage: "extension", Code: "NSE_NOT_RUN", Source: "F-01", Description: "the push lacks mutable-content: iOS never runs the NSE", Outcome: flow.OutcomeFailed, Kind: flow.KindCall},
			{Name: "tampered-header", Stage: "extension", Code: "E_AUTH", Source: "docs/receiver-checks.md", Description: "the header's ts is changed after sealing", Outcome: flow.OutcomeFailed, Kind: flow.KindCall},
		},
		Schemes: []string{"hpke-x25519-sha256-chacha20poly1305", "hpke-p256-sha256-aes256gcm"},
	}
}

func (f *fakeStager) SendComposed(c Composed) ([]string, error) {
	f.smu.Lock()
	defer f.smu.Unlock()
	f.composed = append(f.composed, c)
	var ids []string
	for range max(1, c.Count) {
		ids = append(ids, strings.Repeat("ab", 16))
	}
	return ids, nil
}

func (f *fakeStager) Preview(c Composed) ([]pipeline.EnvelopePreview, error) {
	f.smu.Lock()
	f.previews = append(f.previews, c)
	f.smu.Unlock()
	return []pipeline.EnvelopePreview{fixedPreview()}, nil
}

// fixedPreview is one device's preview with fixed bytes, for goldens.
func fixedPreview() pipeline.EnvelopePreview {
	seq := func(n int, b byte) envelope.B64 {
		out := make([]byte, n)
		for i := range out {
			out[i] = b + byte(i)
		}
		return out
	}
	env := &envelope.Envelope{V: 1, Alg: "hpke-x25519-sha256-chacha20poly1305", KID: seq(8, 0x10), Rcpt: seq(16, 0x20),
		TS: base.UnixMilli(), TTL: 45, Nonce: seq(16, 0x40), Enc: seq(32, 0x60), CT: seq(528, 0x80)}
	body, _ := json.Marshal(env)
	payload, _ := json.Marshal(envelope.NewPayload(env))
	aad, _ := env.AAD()
	raw := []byte(`{"type":"call.invite","call_uuid":"E621E1F8-C36C-495A-93FC-0C247A3E6E5F","caller":{"handle":"alice@example.org","handle_type":"email","name":"Alice"},"sent_ms":` +
		jsonInt(base.UnixMilli()) + `,"nonce":"QEFCQ0RFRkdISUpLTE1OTw","pad":"` + strings.Repeat(" ", 200) + `"}`)
	return pipeline.EnvelopePreview{
		Sealed:  device.Sealed{Device: "iPhone", Token: "7f3e9a1c", Scheme: env.Alg, Body: body, Envelope: env},
		Payload: payload, AAD: aad,
		Opened: &receiver.Opened{Envelope: env, Raw: raw, AAD: aad, Checks: make([]receiver.Check, 11)},
	}
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

func newStagerModel() (Model, *fakeStager) {
	f := &fakeStager{}
	return newTestModel(f), f
}

// pressAll is press that also runs preview commands.
func pressAll(m Model, keys ...string) Model {
	for _, k := range keys {
		next, cmd := m.Update(ckey(k))
		m = next.(Model)
		if acting[k] {
			// Other keys' commands only blink the cursor: a timer.
			m = runAll(m, cmd)
		}
	}
	return m
}

// acting are the keys whose commands send, preview or copy.
var acting = map[string]bool{"enter": true, "e": true, "ctrl+e": true, "r": true, "y": true}

// ckey is key with the composer's keys.
func ckey(s string) tea.KeyPressMsg {
	switch s {
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+e":
		return tea.KeyPressMsg{Code: 'e', Mod: tea.ModCtrl}
	}
	return key(s)
}

func runAll(m Model, cmd tea.Cmd) Model {
	if cmd == nil {
		return m
	}
	switch msg := cmd().(type) {
	case sentMsg, previewMsg, actedMsg:
		next, c := m.Update(msg)
		return runAll(next.(Model), c)
	case tea.BatchMsg:
		for _, c := range msg {
			m = runAll(m, c)
		}
	}
	return m
}

func TestComposeKeys(t *testing.T) {
	for _, tc := range []struct {
		name  string
		plain bool // a controller without a Stager
		keys  []string
		check func(t *testing.T, m Model, f *fakeStager)
	}{
		{"n opens the form on the scenario field", false, []string{"n"}, func(t *testing.T, m Model, _ *fakeStager) {
			if m.compose == nil || m.compose.field != fScenario || m.compose.scn != -1 {
				t.Fatalf("compose %+v", m.compose)
			}
		}},
		{"a plain controller's form starts on kind", true, []string{"n"}, func(t *testing.T, m Model, _ *fakeStager) {
			if m.compose == nil || m.compose.field != fKind {
				t.Fatalf("compose %+v", m.compose)
			}
		}},
		{"typing finds a scenario", false, []string{"n", "t", "a", "m", "p"}, func(t *testing.T, m Model, _ *fakeStager) {
			if s, ok := m.compose.scenario(); !ok || s.Name != "tampered-header" {
				t.Fatalf("scenario %v %v", s.Name, ok)
			}
		}},
		{"→ steps through the library, ← back to none", false, []string{"n", "right", "right", "left", "left"}, func(t *testing.T, m Model, _ *fakeStager) {
			if m.compose.scn != -1 {
				t.Fatalf("scn %d", m.compose.scn)
			}
		}},
		{"a scenario decides kind, scheme, device, to and ttl", false, []string{"n", "t", "a", "m", "tab"}, func(t *testing.T, m Model, _ *fakeStager) {
			if m.compose.field != fCount {
				t.Fatalf("tab from the scenario went to %s", composeFields[m.compose.field])
			}
		}},
		{"enter sends the scenario", false, []string{"n", "n", "o", "-", "m", "enter"}, func(t *testing.T, m Model, f *fakeStager) {
			if len(f.composed) != 1 || f.composed[0].Scenario != "no-mutable-content" || f.composed[0].Count != 1 || m.compose != nil {
				t.Fatalf("composed %+v", f.composed)
			}
			if !strings.Contains(m.status, "sent: scenario no-mutable-content") {
				t.Fatalf("status %q", m.status)
			}
		}},
		{"scheme and count go to the Stager", false, []string{"n", "tab", "tab", "tab", "right", "tab", "tab", "tab", "tab", "backspace", "3", "enter"},
			func(t *testing.T, m Model, f *fakeStager) {
				if len(f.composed) != 1 || f.composed[0].Scheme != "hpke-p256-sha256-aes256gcm" || f.composed[0].Count != 3 {
					t.Fatalf("composed %+v", f.composed)
				}
				if !strings.Contains(m.status, "sent 3:") {
					t.Fatalf("status %q", m.status)
				}
			}},
		{"a plain count sends that many", true, []string{"n", "tab", "tab", "tab", "tab", "backspace", "2", "enter"}, func(t *testing.T, m Model, f *fakeStager) {
			if len(f.sent) != 2 {
				t.Fatalf("sent %d", len(f.sent))
			}
		}},
		{"a bad ttl keeps the form open and says which field", true, []string{"n", "tab", "tab", "tab", "backspace", "backspace", "0", "enter"},
			func(t *testing.T, m Model, f *fakeStager) {
				if m.compose == nil || !strings.HasPrefix(m.compose.problem, "ttl \"0\"") || len(f.sent) != 0 {
					t.Fatalf("compose %+v sent %d", m.compose, len(f.sent))
				}
			}},
		{"e previews the default request", false, []string{"e"}, func(t *testing.T, m Model, f *fakeStager) {
			if m.sheet == nil || m.sheet.send == nil || len(f.previews) != 1 || len(f.composed)+len(f.sent) != 0 {
				t.Fatalf("sheet %v previews %d", m.sheet, len(f.previews))
			}
		}},
		{"enter on a preview sends it", false, []string{"e", "enter"}, func(t *testing.T, m Model, f *fakeStager) {
			if m.sheet != nil || len(f.sent) != 1 {
				t.Fatalf("sheet %v sent %d", m.sheet, len(f.sent))
			}
		}},
		{"e in the form previews it, esc back to the form", false, []string{"n", "t", "a", "m", "tab", "ctrl+e", "esc"}, func(t *testing.T, m Model, f *fakeStager) {
			if m.sheet != nil || m.compose == nil || len(f.previews) != 1 || f.previews[0].Scenario != "tampered-header" {
				t.Fatalf("sheet %v compose %v previews %+v", m.sheet, m.compose, f.previews)
			}
		}},
		{"without a Stager e says why", true, []string{"e"}, func(t *testing.T, m Model, _ *fakeStager) {
			if m.sheet != nil || !m.failed || !strings.Contains(m.status, "cannot seal a preview") {
				t.Fatalf("status %q", m.status)
			}
		}},
		{"r resends what was composed", false, []string{"n", "t", "a", "m", "enter", "r"}, func(t *testing.T, m Model, f *fakeStager) {
			if len(f.composed) != 2 || f.composed[1].Scenario != "tampered-header" || f.composed[1].Count != 1 {
				t.Fatalf("composed %+v", f.composed)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m Model
			var f *fakeStager
			if tc.plain {
				fc := &fakeController{}
				m, f = newTestModel(fc), &fakeStager{}
				defer func() { f.sent = fc.sent }()
				m = pressAll(m, tc.keys...)
				f.sent = fc.sent
				tc.check(t, m, f)
				return
			}
			m, f = newStagerModel()
			if strings.HasPrefix(tc.name, "r ") {
				// The call r resends is on the screen.
				m = feed(m, ringingEvents(strings.Repeat("ab", 16), callUUID(1), base)...)
			}
			m = pressAll(m, tc.keys...)
			tc.check(t, m, f)
		})
	}
}

func TestResendUnknownAndCurl(t *testing.T) {
	m, f := newStagerModel()
	m = feed(m, pushCall(t)...)
	m = pressAll(m, "r")
	if len(f.sent)+len(f.composed) != 0 || !m.failed || !strings.Contains(m.status, "not sent from this screen") {
		t.Fatalf("r on a call not sent here: status %q", m.status)
	}
	next, cmd := m.Update(key("y"))
	m = next.(Model)
	if cmd == nil || m.sheet == nil {
		t.Fatal("y: no clipboard command, no sheet")
	}
	text := ansi.Strip(strings.Join(m.sheet.text(m, 200), "\n"))
	for _, want := range []string{"curl -v --http2", `-H "authorization: bearer $JWT"`, "-H apns-push-type: voip", "apns-topic: org.example.app.voip",
		"https://api.sandbox.push.apple.com/3/device/7f3e9a1c"} {
		if !strings.Contains(strings.ReplaceAll(text, "'", ""), strings.ReplaceAll(want, "'", "")) {
			t.Errorf("curl lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "eyJ") || strings.Contains(text, "signature redacted") {
		t.Errorf("the JWT APNs saw is in the curl:\n%s", text)
	}
	// Observer screens copy too, but neither preview nor resend.
	o := NewModel(&fakeController{}, Options{Observer: true, NoColor: true})
	o = feed(o, pushCall(t)...)
	for _, k := range []string{"e", "r"} {
		if next, cmd := o.Update(key(k)); cmd != nil || next.(Model).sheet != nil {
			t.Errorf("observer %s acted", k)
		}
	}
	if _, cmd := o.Update(key("y")); cmd == nil {
		t.Error("observer y copied nothing")
	}
}

// TestPreviewShowsEnvelope: plaintext with the pad by its length, the
// header with ts in milliseconds, the AAD hex and the ciphertext size.
func TestPreviewShowsEnvelope(t *testing.T) {
	m, _ := newStagerModel()
	m = pressAll(m, "e")
	text := ansi.Strip(strings.Join(m.sheet.text(m, 120), "\n"))
	for _, want := range []string{`"pad": "<200 spaces>"`, `"type": "call.invite"`, "ciphertext: 528 bytes",
		"ts: " + jsonInt(base.UnixMilli()) + " (2026-12-01T12:00:00.000Z)", "AAD (58 bytes)", "checks: 11 passed", "56504531"} {
		if !strings.Contains(text, want) {
			t.Errorf("preview lacks %q:\n%s", want, text)
		}
	}
}

// TestSheetScrolls: a preview longer than the screen scrolls with j and the
// wheel, and esc leaves it.
func TestSheetScrolls(t *testing.T) {
	m, _ := newStagerModel()
	next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m = pressAll(next.(Model), "e")
	m = pressAll(m, "j")
	if m.sheet.scroll != 1 {
		t.Fatalf("j: scroll %d", m.sheet.scroll)
	}
	next, _ = m.Update(tea.MouseWheelMsg{Button: tea.MouseWheelDown, X: 10, Y: 10})
	if m = next.(Model); m.sheet.scroll != 4 {
		t.Fatalf("wheel: scroll %d", m.sheet.scroll)
	}
	if m = pressAll(m, "esc"); m.sheet != nil {
		t.Fatal("esc left the sheet open")
	}
}

// TestScenarioCallStaysSelected: a scenario's call is selected whether its
// events come before or after the send's answer, and calls listed after it
// do not take the ladder away.
func TestScenarioCallStaysSelected(t *testing.T) {
	id := strings.Repeat("ab", 16)
	other := traceOf(callUUID(2))
	for _, eventsFirst := range []bool{false, true} {
		m, _ := newStagerModel()
		m = feed(m, ringingEvents(traceOf(callUUID(1)), callUUID(1), base)...)
		if eventsFirst {
			m = feed(m, failedEvents(id, callUUID(9), base)...)
		}
		m = pressAll(m, "n", "t", "a", "m", "enter")
		if !eventsFirst {
			m = feed(m, failedEvents(id, callUUID(9), base)...)
		}
		m = feed(m, ringingEvents(other, callUUID(2), base)...)
		if c, _ := m.selected(); c.TraceID != id || m.follow {
			t.Fatalf("events first %v: selected %s (follow %v), want the scenario's %s", eventsFirst, c.TraceID, m.follow, id)
		}
	}
}

// TestInspectEnvelopeTime: an opened push's envelope ts is Unix
// milliseconds (docs/envelope.md), shown as such; it was read as seconds.
func TestInspectEnvelopeTime(t *testing.T) {
	p := fixedPreview()
	payload, _ := json.Marshal(envelope.NewPayload(p.Envelope))
	m := newTestModel(&fakeController{})
	text := ansi.Strip(strings.Join(m.envelopeText(payload, 120), "\n"))
	if !strings.Contains(text, "(2026-12-01T12:00:00.000Z)") {
		t.Fatalf("ts not read as milliseconds:\n%s", text)
	}
}
