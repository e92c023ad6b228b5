package ui

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/flow"
)

// inspectState is one event opened whole: a copy, so later events of its
// call (or the call's eviction) do not change what is being read.
type inspectState struct {
	ev     flow.Event
	call   flow.Call
	scroll int
}

// openEvent opens the event under the cursor.
func (m *Model) openEvent() {
	c, ok := m.selected()
	if !ok {
		return
	}
	events := m.sortedEvents(c.TraceID)
	_, rows := m.eventArea()
	cur, _, _ := m.eventWindow(c.TraceID, len(events), rows)
	if cur >= len(events) {
		return
	}
	if c.Diag != nil {
		d := *c.Diag
		c.Diag = &d
	}
	m.read.insp = &inspectState{ev: events[cur].Clone(), call: c}
}

func (m Model) inspectKey(k string) (Model, bool) {
	page := max(1, m.height-5)
	switch k {
	case "esc", "backspace", "h", "left":
		m.read.insp = nil
	case "j", "down":
		m.scrollInspect(1)
	case "k", "up":
		m.scrollInspect(-1)
	case "pgdown", "ctrl+d", "f", "space":
		m.scrollInspect(page)
	case "pgup", "ctrl+u", "b":
		m.scrollInspect(-page)
	case "g", "home":
		m.scrollInspect(-1 << 30)
	case "G", "end":
		m.scrollInspect(1 << 30)
	case "q", "ctrl+c":
		return m, false
	}
	// Every other key waits for esc: nothing underneath acts unseen.
	return m, true
}

// inspectRows is the height of the opened event's text: all but the
// header, the status and the keys.
func (m Model) inspectRows() int { return max(1, m.height-3) }

func (m *Model) scrollInspect(d int) {
	in := *m.read.insp
	n := len(m.inspectText(m.width))
	in.scroll = min(max(in.scroll+d, 0), max(0, n-m.inspectRows()))
	m.read.insp = &in
}

// inspectLines is the opened event in h rows from its scroll offset.
func (m Model) inspectLines(w, h int) []string {
	all := m.inspectText(w)
	s := min(m.read.insp.scroll, max(0, len(all)-h))
	end := min(len(all), s+h)
	out := append([]string(nil), all[s:end]...)
	if end < len(all) && h > 0 {
		out[h-1] = m.st.muted.Render(fmt.Sprintf("↓ %d more lines · j/k pgup/pgdn scroll · esc back", len(all)-end))
	}
	return pad(out, h)
}

// inspectText is the whole event, wrapped at w: nothing cut.
func (m Model) inspectText(w int) []string {
	in := m.read.insp
	e, c := in.ev, in.call
	var out []string
	add := func(s string) { out = append(out, wrapLines(s, w)...) }
	section := func(s string) { out = append(out, "", m.st.title.Render(s)) }
	field := func(k, v string) {
		if v != "" {
			add(m.st.accent.Render(k+": ") + v)
		}
	}

	add(m.st.stage(e.Stage).Render(strings.ToUpper(string(e.Stage))) + " " + m.st.title.Render(e.Name) + m.st.muted.Render(" · esc back"))
	field("time", e.Time.In(m.opts.Location).Format("2006-01-02 15:04:05.000000 MST"))
	if e.Clock != "" {
		field("clock", e.Clock+" (another machine's clock)")
	}
	field("duration", eventDuration(e))
	if c.From != "" || c.To != "" {
		field("call", strings.TrimSpace(string(orCall(c.Kind))+" "+c.From+" → "+c.To))
	}
	field("trace", e.TraceID)
	field("call uuid", firstOf(e.CallID, c.CallID))
	field("apns-id", firstOf(e.ApnsID, c.ApnsID))
	if e.Seq != 0 {
		field("seq", fmt.Sprint(e.Seq))
	}
	field("outcome", string(e.Outcome))

	if e.Diagnosis != nil {
		section("Diagnosis")
		out = append(out, m.diagnosisText(*e.Diagnosis, w)...)
	}
	if e.Push != nil {
		out = append(out, m.pushText(e.Push, w)...)
	}
	if e.Push == nil && e.Stage == flow.StageAPNs && e.Name == "received" {
		out = append(out, "")
		add(m.st.muted.Render("No request recorded on this event: what the APNs stage reported of it is below."))
	}
	if len(e.Attrs) > 0 {
		section("Attributes")
		keys := make([]string, 0, len(e.Attrs))
		for k := range e.Attrs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			field(k, e.Attrs[k])
		}
	}
	if checks := receiverChecks(e); checks != "" {
		section("Receiver checks")
		add(checks)
	}
	out = append(out, m.plaintextText(e, w)...)
	if c.Diag != nil && (e.Diagnosis == nil || *e.Diagnosis != *c.Diag) {
		section("The call's diagnosis")
		out = append(out, m.diagnosisText(*c.Diag, w)...)
	}
	return out
}

// plaintextText is what the device decrypted, on the device lanes' events
// that read it; on a decrypted event of a trace recorded without it, where
// it went.
func (m Model) plaintextText(e flow.Event, w int) []string {
	if len(e.Plaintext) == 0 {
		if e.Stage == flow.StageExtension && e.Name == "decrypted" {
			return append([]string{""}, wrapLines(m.st.muted.Render(
				"No plaintext here: a trace keeps it only with --record-plaintext."), w)...)
		}
		return nil
	}
	out := []string{"", m.st.title.Render("Decrypted plaintext (what the device read)")}
	var b bytes.Buffer
	if json.Indent(&b, e.Plaintext, "", "  ") != nil {
		return append(out, wrapLines(string(e.Plaintext), w)...)
	}
	for _, l := range strings.Split(b.String(), "\n") {
		out = append(out, wrapLines(l, w)...)
	}
	return out
}

func (m Model) diagnosisText(d flow.Diagnosis, w int) []string {
	mark, style := "✗ fail ", m.st.fail
	if d.Warning {
		mark, style = "! warning ", m.st.warn
	}
	var out []string
	add := func(s string) { out = append(out, wrapLines(s, w)...) }
	add(style.Render(mark) + m.st.stage(d.Stage).Render(string(d.Stage)) + style.Render(": "+string(d.Code)))
	if d.Apple != "" {
		add("Apple's name: " + d.Apple)
	}
	if d.Detail != "" {
		add("detail: " + d.Detail)
	}
	if d.Hint != "" {
		add(m.st.warn.Render("hint: " + d.Hint))
	}
	add(m.st.muted.Render("source: " + diagnosisSource(d)))
	return out
}

// diagnosisSource is where to read more: Apple's name when APNs or iOS
// gave one, and the catalogue of failures.
func diagnosisSource(d flow.Diagnosis) string {
	switch {
	case strings.HasPrefix(string(d.Code), "E_") || strings.HasPrefix(string(d.Code), "W_"):
		return "the envelope receiver's checks, docs/receiver-checks.md"
	case d.Stage == flow.StageAPNs:
		return "APNs' answer, docs/apns-rules.md"
	}
	return "docs/failures.md"
}

// receiverChecks is what the envelope receiver concluded, from the events
// it emits: the count of checks passed, or the check that failed.
func receiverChecks(e flow.Event) string {
	var parts []string
	if v := e.Attrs["checks"]; v != "" {
		parts = append(parts, "pass: "+v)
	}
	if v := e.Attrs["signature"]; v != "" {
		parts = append(parts, "signature: "+v)
	}
	if d := e.Diagnosis; d != nil && (strings.HasPrefix(string(d.Code), "E_") || strings.HasPrefix(string(d.Code), "W_")) {
		parts = append(parts, "fail: "+string(d.Code)+" "+d.Detail)
	}
	return strings.Join(parts, " · ")
}

// pushText is the request as APNs saw it and Apple's answer, then the
// envelope inside the payload.
func (m Model) pushText(p *flow.PushRecord, w int) []string {
	var out []string
	add := func(s string) { out = append(out, wrapLines(s, w)...) }
	out = append(out, "", m.st.title.Render("Request as APNs saw it"))
	add(strings.TrimSpace(p.Method + " " + p.Path))
	names := make([]string, 0, len(p.Headers))
	for k := range p.Headers {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := p.Headers[k]
		if k == "authorization" {
			add(m.st.accent.Render(k+": ") + "bearer JWT, signature not shown")
			for _, part := range jwtParts(v) {
				add("  " + part)
			}
			continue
		}
		add(m.st.accent.Render(k+": ") + v)
	}
	if len(p.Payload) > 0 {
		out = append(out, m.st.title.Render(fmt.Sprintf("Payload (%d bytes)", len(p.Payload))))
		var b bytes.Buffer
		if json.Indent(&b, p.Payload, "", "  ") == nil {
			for _, l := range strings.Split(b.String(), "\n") {
				add(l)
			}
		} else {
			add(string(p.Payload))
		}
	}
	if p.Status != 0 || p.Reason != "" {
		out = append(out, "", m.st.title.Render("Apple's answer"))
		status := fmt.Sprint(p.Status)
		if p.Status == 0 {
			status = "none"
		}
		add(m.st.accent.Render("status: ") + status)
		if p.Reason != "" {
			add(m.st.accent.Render("reason: ") + p.Reason)
		}
		if p.ApnsID != "" {
			add(m.st.accent.Render("apns-id: ") + p.ApnsID)
		}
		if p.UniqueID != "" {
			add(m.st.accent.Render("apns-unique-id: ") + p.UniqueID)
		}
	}
	if len(p.Payload) > 0 {
		out = append(out, m.envelopeText(p.Payload, w)...)
	}
	return out
}

// jwtParts decodes a bearer token's header and claims; the signature was
// redacted before the event was made and is never shown.
func jwtParts(v string) []string {
	tok := strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(v, "bearer "), "Bearer "))
	segs := strings.Split(tok, ".")
	names := []string{"header", "claims"}
	var out []string
	for i := 0; i < len(segs) && i < 2; i++ {
		b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(segs[i], "="))
		if err != nil {
			out = append(out, names[i]+": (not base64url)")
			continue
		}
		out = append(out, names[i]+": "+string(b))
	}
	return out
}

// envelopeText is the envelope's header and AAD, read from the payload:
// the ciphertext stays opaque (the device lanes show what it decrypted to).
func (m Model) envelopeText(payload []byte, w int) []string {
	env, err := envelope.ParsePayload(payload)
	if env == nil {
		if err != nil {
			return append([]string{""}, wrapLines(m.st.muted.Render("no envelope: "+err.Error()), w)...)
		}
		return nil
	}
	return m.envelopeFields(env, err, w)
}

func eventDuration(e flow.Event) string {
	switch {
	case e.Simulated:
		return flow.FormatDuration(e.Duration) + " simulated (waited " + flow.FormatDuration(e.Waited) + ")"
	case e.Instant:
		return flow.InstantLabel
	case e.Duration > 0:
		return flow.FormatDuration(e.Duration) + " measured"
	}
	return ""
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// wrapLines wraps s at w cells, at spaces where it can and inside a word
// (a hex string, a token) where it must: an opened event is never cut.
func wrapLines(s string, w int) []string {
	return strings.Split(ansi.Wrap(s, max(w, 10), " "), "\n")
}
