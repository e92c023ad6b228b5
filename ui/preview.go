package ui

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/flow/pipeline"
)

// sheet is text that takes the body until esc: an envelope preview (e) or
// a push as curl (y). Like an opened event, it is read whole, never cut.
type sheet struct {
	title string
	// text renders the body at a width.
	text   func(m Model, w int) []string
	scroll int
	// send, when set, is what enter sends from the sheet: the previewed
	// request.
	send *Composed
}

type previewMsg struct {
	c   Composed
	ps  []pipeline.EnvelopePreview
	err error
}

// preview seals c as sending would and shows it; nothing is sent.
func (m Model) preview(c Composed) tea.Cmd {
	st, ok := m.stager()
	if !ok {
		return func() tea.Msg {
			return previewMsg{c: c, err: fmt.Errorf("this screen cannot seal a preview (no embedded pipeline)")}
		}
	}
	return func() tea.Msg {
		ps, err := st.Preview(c)
		return previewMsg{c: c, ps: ps, err: err}
	}
}

func (m *Model) previewDone(msg previewMsg) {
	if msg.err != nil {
		if m.compose != nil {
			m.compose.problem = "preview: " + msg.err.Error()
		}
		m.setStatus("preview failed: "+msg.err.Error(), true)
		return
	}
	c, ps := msg.c, msg.ps
	m.sheet = &sheet{title: "Envelope preview", send: &c, text: func(m Model, w int) []string { return m.previewText(c, ps, w) }}
	m.setStatus("preview: nothing was sent · enter sends it · esc back", false)
}

// previewText is each device's envelope: the plaintext the device would
// read, the header, the AAD in hex and the ciphertext's size.
func (m Model) previewText(c Composed, ps []pipeline.EnvelopePreview, w int) []string {
	var out []string
	add := func(s string) { out = append(out, wrapLines(s, w)...) }
	section := func(s string) { out = append(out, "", m.st.title.Render(s)) }
	field := func(k, v string) { add(m.st.accent.Render(k+": ") + v) }
	add(m.st.title.Render("ENVELOPE PREVIEW") + m.st.muted.Render(" · nothing sent · enter send · esc back"))
	add(c.describe())
	add(m.st.muted.Render("Sealed with real keys on the path a send takes; a send seals again with a fresh nonce and ts."))
	if len(ps) == 0 {
		add(m.st.fail.Render("! the callee has no device to seal for"))
	}
	for _, p := range ps {
		section(fmt.Sprintf("Device %s · %s", p.Device, p.Scheme))
		if p.Note != "" {
			add(m.st.muted.Render(p.Note))
		}
		switch {
		case p.Opened != nil:
			add(m.st.title.Render(fmt.Sprintf("Plaintext (%d bytes, as the device's extension opens it)", len(p.Opened.Raw))))
			out = append(out, plaintextLines(p.Opened.Raw, w)...)
			add(m.st.accent.Render("checks: ") + fmt.Sprintf("%d passed", len(p.Opened.Checks)))
			if p.Opened.Warning != nil {
				add(m.st.warn.Render("! " + p.Opened.Warning.Code + " " + p.Opened.Warning.Detail))
			}
		case p.OpenErr != nil:
			add(m.st.fail.Render("✗ the device's extension would refuse it: " + p.OpenErr.Error()))
		}
		out = append(out, m.envelopeFields(p.Envelope, nil, w)...)
		field("envelope", fmt.Sprintf("%d bytes of JSON", len(p.Body)))
		if len(p.Payload) > 0 {
			field("payload", fmt.Sprintf("%d bytes (APNs allows 4096 for alert pushes)", len(p.Payload)))
		}
	}
	return out
}

// plaintextLines is the opened plaintext pretty-printed, the pad shown by
// its length: it is only spaces.
func plaintextLines(raw []byte, w int) []string {
	shown := padRE.ReplaceAllFunc(raw, func(p []byte) []byte {
		return fmt.Appendf(nil, `"pad":"<%d spaces>"`, len(p)-len(`"pad":""`))
	})
	var buf bytes.Buffer
	if json.Indent(&buf, shown, "", "  ") != nil {
		return wrapLines(string(raw), w)
	}
	var out []string
	for _, l := range strings.Split(buf.String(), "\n") {
		out = append(out, wrapLines(l, w)...)
	}
	return out
}

// padRE is the plaintext's pad member: spaces only (envelope.PadBlock).
var padRE = regexp.MustCompile(`"pad":" *"`)

// envelopeFields is an envelope's header, ciphertext size and AAD in hex.
func (m Model) envelopeFields(env *envelope.Envelope, problem error, w int) []string {
	out := []string{"", m.st.title.Render("Envelope header")}
	add := func(k, v string) {
		out = append(out, wrapLines(m.st.accent.Render(k+": ")+v, w)...)
	}
	add("v", fmt.Sprint(env.V))
	add("alg", env.Alg)
	add("kid", hex.EncodeToString(env.KID))
	add("rcpt", hex.EncodeToString(env.Rcpt))
	add("ts", fmt.Sprintf("%d (%s)", env.TS, envTime(env.TS)))
	add("ttl", fmt.Sprintf("%d s", env.TTL))
	add("nonce", hex.EncodeToString(env.Nonce))
	if len(env.Enc) > 0 {
		add("enc", fmt.Sprintf("%d bytes", len(env.Enc)))
	}
	add("ciphertext", fmt.Sprintf("%d bytes", len(env.CT)))
	if problem != nil {
		add("problem", problem.Error())
	}
	if aad, aerr := env.AAD(); aerr == nil {
		out = append(out, m.st.title.Render(fmt.Sprintf("AAD (%d bytes)", len(aad))))
		out = append(out, strings.Split(ansi.Hardwrap(hex.EncodeToString(aad), max(w, 10), false), "\n")...)
	}
	return out
}

// sheetKey scrolls the sheet; esc goes back to what was under it.
func (m Model) sheetKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	page := max(1, m.height-5)
	switch msg.String() {
	case "esc", "backspace", "h", "left":
		m.sheet = nil
		m.setStatus("", false)
		if m.compose != nil {
			m.setStatus("back to the form", false)
		}
	case "enter":
		if s := m.sheet; s.send != nil {
			m.sheet, m.compose = nil, nil
			return m.guardSendComposed(*s.send)
		}
	case "j", "down":
		m.scrollSheet(1)
	case "k", "up":
		m.scrollSheet(-1)
	case "pgdown", "ctrl+d", "f", "space":
		m.scrollSheet(page)
	case "pgup", "ctrl+u", "b":
		m.scrollSheet(-page)
	case "g", "home":
		m.scrollSheet(-1 << 30)
	case "G", "end":
		m.scrollSheet(1 << 30)
	case "q", "ctrl+c":
		return m, tea.Quit
	}
	return m, nil
}

func (m *Model) scrollSheet(d int) {
	s := *m.sheet
	n := len(s.text(*m, m.width))
	s.scroll = min(max(s.scroll+d, 0), max(0, n-m.inspectRows()))
	m.sheet = &s
}

// sheetLines is the sheet in h rows from its scroll offset.
func (m Model) sheetLines(w, h int) []string {
	all := m.sheet.text(m, w)
	s := min(m.sheet.scroll, max(0, len(all)-h))
	end := min(len(all), s+h)
	out := append([]string(nil), all[s:end]...)
	if end < len(all) && h > 0 {
		out[h-1] = m.st.muted.Render(fmt.Sprintf("↓ %d more lines · j/k pgup/pgdn scroll · esc back", len(all)-end))
	}
	return pad(out, h)
}

// sheetHelp is the key line under a sheet.
func (m Model) sheetHelp() string {
	if m.sheet.send != nil {
		return "j/k pgup/pgdn scroll · enter send it · esc back · q quit"
	}
	return "j/k pgup/pgdn scroll · esc back · q quit"
}

// envTime is an envelope ts (Unix milliseconds) as a UTC time.
func envTime(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}
