package main

import (
	"fmt"
	"io"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/device"
)

// eventLog prints one line per event: the headless view of `mock-apns` and
// `device`. Events carry no secrets (neither side puts JWTs or keys in them;
// Redact is the net). Emit writes on the caller's goroutine: the device's
// log, where events are few. mock-apns puts it behind an asyncLog, so that
// no push waits for its line (eventlog_async.go).
type eventLog struct {
	mu   sync.Mutex
	w    io.Writer
	name int      // the width of the event-name column
	keys []string // the attributes shown, in this order
	// device: a device's line also says how long its stage took and the
	// diagnosis's code.
	device bool
	buf    []byte // Emit's line, under mu
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
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = l.appendLine(l.buf[:0], e, nil)
	_, _ = l.w.Write(l.buf)
}

// appendLine appends e's line, newline included, to b. An attribute e
// lacks is taken from more when more has it (the push's line: its answer
// with the topic and token of its receipt). What it prints is redacted as
// flow.Redact would (no key it prints is a secret one); the rest of the
// event, its push above all, is not copied for a line that does not show it.
func (l *eventLog) appendLine(b []byte, e flow.Event, more map[string]string) []byte {
	b = e.Time.AppendFormat(b, "15:04:05.000")
	b = append(b, ' ')
	b = pad(b, string(e.Stage), 9)
	b = append(b, ' ')
	b = pad(b, e.Name, l.name)
	if e.ApnsID != "" {
		b = append(b, " apns-id="...)
		b = append(b, e.ApnsID...)
	}
	if l.device && e.Simulated {
		b = append(b, " simulated="...)
		b = append(b, e.Duration.String()...)
	} else if l.device && e.Duration > 0 {
		b = append(b, " took="...)
		b = append(b, flow.FormatDuration(e.Duration)...)
	}
	for _, k := range l.keys {
		v, ok := e.Attrs[k]
		if !ok {
			v, ok = more[k]
		}
		if ok && v != "" {
			b = append(b, ' ')
			b = append(b, k...)
			b = append(b, '=')
			b = strconv.AppendQuote(b, flow.RedactValue(v))
		}
	}
	if d := e.Diagnosis; d != nil && l.device {
		b = append(b, " — "...)
		b = append(b, string(d.Code)...)
		b = append(b, ": "...)
		b = append(b, flow.RedactValue(d.Detail)...)
	} else if d != nil {
		b = append(b, " — "...)
		b = append(b, flow.RedactValue(d.Detail)...)
	}
	return append(b, '\n')
}

// pad is fmt's %-*s: s, then spaces up to width characters.
func pad(b []byte, s string, width int) []byte {
	b = append(b, s...)
	for n := utf8.RuneCountInString(s); n < width; n++ {
		b = append(b, ' ')
	}
	return b
}

// line prints a line that is no event (a device's link going up or down).
func (l *eventLog) line(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintln(l.w, s)
}
