package ui

import (
	"net/url"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/transport/apns"
)

// sandboxHost is where a push goes when the screen does not know its APNs.
const sandboxHost = "https://api.sandbox.push.apple.com"

// copyCurl copies the selected call's push as a curl command (OSC 52) and
// shows it, for terminals that do not pass OSC 52 on.
func (m Model) copyCurl() (tea.Model, tea.Cmd) {
	c, ok := m.selected()
	if !ok {
		m.setStatus("y: no call selected", true)
		return m, nil
	}
	p := m.pushOf(c.TraceID)
	if p == nil {
		m.setStatus("y: no push of call "+short(c.TraceID, 8)+" reached APNs to copy", true)
		return m, nil
	}
	host := m.opts.APNs
	if host == "" {
		host = sandboxHost
	}
	cmd := curlOf(p, host)
	m.sheet = &sheet{title: "curl", text: func(m Model, w int) []string { return m.curlText(cmd, host, w) }}
	m.setStatus("copied the push as curl (OSC 52; shown here in case your terminal drops it)", false)
	return m, tea.SetClipboard(cmd)
}

// pushOf is the call's last push as APNs received it: a resent or replayed
// push is the one to reproduce.
func (m Model) pushOf(traceID string) *flow.PushRecord {
	events := m.sortedEvents(traceID)
	for i := len(events) - 1; i >= 0; i-- {
		if e := events[i]; e.Push != nil && e.Push.Path != "" {
			return e.Push
		}
	}
	return nil
}

// curlOf renders a received push with transport/apns' dry run: the JWT is
// never in it (the authorization header is $JWT, to be minted; the one APNs
// saw had its signature redacted before it became an event).
func curlOf(p *flow.PushRecord, host string) string {
	r := &apns.Request{Host: host, DeviceToken: strings.TrimPrefix(p.Path, "/3/device/"), Payload: p.Payload,
		Topic: p.Headers["apns-topic"], PushType: p.Headers["apns-push-type"], Priority: p.Headers["apns-priority"],
		Expiration: p.Headers["apns-expiration"], CollapseID: p.Headers["apns-collapse-id"], ApnsID: p.Headers["apns-id"]}
	for name, v := range p.Headers {
		switch name {
		case "authorization", "apns-topic", "apns-push-type", "apns-priority", "apns-expiration", "apns-collapse-id",
			"apns-id", "content-type", "content-length", "user-agent", "accept-encoding":
			continue
		}
		if !strings.HasPrefix(name, ":") {
			r.Extra = append(r.Extra, apns.Header{Name: name, Value: v})
		}
	}
	sortHeaders(r.Extra)
	return apns.DryRun{Request: r}.Curl()
}

func sortHeaders(hs []apns.Header) {
	for i := 1; i < len(hs); i++ {
		for j := i; j > 0 && hs[j].Name < hs[j-1].Name; j-- {
			hs[j], hs[j-1] = hs[j-1], hs[j]
		}
	}
}

// curlText is the sheet y opens: the command whole, and how to run it.
func (m Model) curlText(cmd, host string, w int) []string {
	var out []string
	add := func(s string) { out = append(out, wrapLines(s, w)...) }
	add(m.st.title.Render("PUSH AS CURL") + m.st.muted.Render(" · copied (OSC 52) · esc back"))
	add(m.st.muted.Render("Mint $JWT from your .p8 (docs/push.md); the JWT APNs saw is not here."))
	if u, err := url.Parse(host); err == nil && apns.Environment(host) == "" {
		add(m.st.muted.Render(u.Host + " is the embedded mock: its CA and key live in this process, so point the command at Apple's host to run it."))
	}
	out = append(out, "")
	for _, l := range strings.Split(cmd, "\n") {
		out = append(out, wrapLines(l, w)...)
	}
	return out
}
