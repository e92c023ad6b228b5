package main

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/device"
)

// eventLog prints one line per event: the headless view of `mock-apns` and
// `device`. Events carry no secrets (neither side puts JWTs or keys in them;
// Redact is the net).
type eventLog struct {
	mu   sync.Mutex
	w    io.Writer
	name int      // the width of the event-name column
	keys []string // the attributes shown, in this order
	// device: a device's line also says how long its stage took and the
	// diagnosis's code.
	device bool
}

// mockLog is mock-apns's log: what APNs answered and did with each push.
func mockLog(w io.Writer) *eventLog {
	return &eventLog{w: w, name: 20,
		keys: []string{"status", "reason", "topic", "push_type", "token", "fault", "held", "delivered", "after", "note", "why", "link", "device"}}
}

// deviceLog is a device's log: its stages and what the app saw.
func deviceLog(w io.Writer) *eventLog {
	return &eventLog{w: w, name: 26, device: true,
		keys: []string{"push_type", "payload_bytes", device.AttrState, "type", "title", "body", "remoteHandle", "action", device.AttrSignature, flow.AttrEndedReason}}
}

func (l *eventLog) Emit(e flow.Event) {
	e = flow.Redact(e)
	var b strings.Builder
	fmt.Fprintf(&b, "%s %-9s %-*s", e.Time.Format("15:04:05.000"), e.Stage, l.name, e.Name)
	if e.ApnsID != "" {
		b.WriteString(" apns-id=" + e.ApnsID)
	}
	if l.device && e.Simulated {
		b.WriteString(" simulated=" + e.Duration.String())
	} else if l.device && e.Duration > 0 {
		b.WriteString(" took=" + flow.FormatDuration(e.Duration))
	}
	for _, k := range l.keys {
		if v, ok := e.Attrs[k]; ok && v != "" {
			fmt.Fprintf(&b, " %s=%q", k, v)
		}
	}
	if d := e.Diagnosis; d != nil && l.device {
		b.WriteString(" — " + string(d.Code) + ": " + d.Detail)
	} else if d != nil {
		b.WriteString(" — " + d.Detail)
	}
	l.line(b.String())
}

func (l *eventLog) line(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintln(l.w, s)
}
