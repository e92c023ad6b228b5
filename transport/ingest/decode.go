package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/callscope/callscope/flow"
)

// LineError is why one line of a batch was skipped. Line counts from 1 and
// includes blank lines, so it matches what an editor shows for the body.
type LineError struct {
	Line  int    `json:"line"`
	Error string `json:"error"`
}

// maxErrorLen bounds one error message: messages quote what the client sent,
// and a 4 MiB stage name should not come back as a 4 MiB answer.
const maxErrorLen = 200

// Decode parses an NDJSON body into events, one flow.Event per line. Blank
// lines are ignored; a line that is not a valid event is skipped and reported.
// Accepted events are sanitized and redacted, and a zero time becomes now.
// Decode never fails as a whole: the batch is as good as its lines.
func Decode(body []byte, now time.Time) (events []flow.Event, errs []LineError) {
	decode(body, now, func(e flow.Event) { events = append(events, e) },
		func(le LineError) { errs = append(errs, le) })
	return events, errs
}

// decode is Decode handing each line on as it goes: a batch of 60,000 events
// costs its body, not 60,000 decoded events at once.
func decode(body []byte, now time.Time, event func(flow.Event), bad func(LineError)) {
	for line := 1; len(body) > 0; line++ {
		var raw []byte
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			raw, body = body[:i], body[i+1:]
		} else {
			raw, body = body, nil
		}
		raw = bytes.TrimSpace(raw) // also the \r of a CRLF body
		if len(raw) == 0 {
			continue
		}
		e, err := decodeLine(raw, now)
		if err != nil {
			bad(LineError{Line: line, Error: clip(flow.RedactValue(err.Error()))})
			continue
		}
		event(e)
	}
}

func decodeLine(raw []byte, now time.Time) (flow.Event, error) {
	var e flow.Event
	if err := json.Unmarshal(raw, &e); err != nil {
		return flow.Event{}, jsonError(err)
	}
	if err := validate(&e); err != nil {
		return flow.Event{}, err
	}
	// The bus numbers events; a number from outside would collide with ours.
	e.Seq = 0
	if e.Time.IsZero() {
		e.Time = now
	}
	sanitize(&e)
	return flow.Redact(e), nil
}

// jsonError names the field a decoding error is about, in the wire's names.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	var pe *time.ParseError
	switch {
	case errors.As(err, &te) && te.Field != "":
		return fmt.Errorf("%s: want a JSON %s, got %s", te.Field, jsonKind(te.Type.Kind().String()), te.Value)
	case errors.As(err, &te):
		return fmt.Errorf("want a JSON object, got %s", te.Value)
	case errors.As(err, &pe):
		// time.Time reports its own errors without naming the field; it is
		// the only time in an event.
		return errors.New("time: want an RFC 3339 time such as 2026-01-02T15:04:05.999Z")
	case errors.As(err, &se):
		return fmt.Errorf("not JSON at byte %d: %s", se.Offset, strings.TrimPrefix(se.Error(), "json: "))
	}
	return errors.New(strings.TrimPrefix(err.Error(), "json: "))
}

// jsonKind turns a Go kind into the JSON type a client would write.
func jsonKind(k string) string {
	switch {
	case k == "string":
		return "string"
	case k == "bool":
		return "boolean"
	case k == "map" || k == "struct" || k == "ptr":
		return "object"
	case strings.HasPrefix(k, "int"), strings.HasPrefix(k, "uint"), strings.HasPrefix(k, "float"):
		return "number"
	}
	return k
}

// validate checks what the screen and the tracker rely on: where the event
// happened, what it is, and which request it belongs to.
func validate(e *flow.Event) error {
	if e.Stage == "" {
		return errors.New("stage: missing (want sender, server, apns, extension or callkit)")
	}
	if _, err := flow.ParseStage(string(e.Stage)); err != nil {
		return fmt.Errorf("stage: %w", err)
	}
	if strings.TrimSpace(e.Name) == "" {
		return errors.New("name: missing")
	}
	if e.TraceID == "" {
		return errors.New("trace_id: missing (want 32 lowercase hex digits, the trace id of a W3C traceparent)")
	}
	if !validTraceID(e.TraceID) {
		return fmt.Errorf("trace_id: %q is not 32 lowercase hex digits, not all zero", e.TraceID)
	}
	if e.Duration < 0 {
		return errors.New("duration_ns: negative")
	}
	if e.Waited < 0 {
		return errors.New("waited_ns: negative")
	}
	switch e.Outcome {
	case "", flow.OutcomeConnected, flow.OutcomeDeclined, flow.OutcomeUnanswered, flow.OutcomeShown, flow.OutcomeFailed:
	default:
		return fmt.Errorf("outcome: unknown outcome %q (want connected, declined, unanswered, shown or failed)", e.Outcome)
	}
	if d := e.Diagnosis; d != nil && d.Stage != "" {
		if _, err := flow.ParseStage(string(d.Stage)); err != nil {
			return fmt.Errorf("diagnosis.stage: %w", err)
		}
	}
	return nil
}

// validTraceID is the W3C trace-context rule: 32 lowercase hex digits, not
// all zero. Uppercase is refused rather than folded, so one request never
// shows up as two calls.
func validTraceID(s string) bool {
	if len(s) != 32 {
		return false
	}
	nonZero := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '0':
		case '1' <= c && c <= '9', 'a' <= c && c <= 'f':
			nonZero = true
		default:
			return false
		}
	}
	return nonZero
}

// sanitize replaces control characters in every string an event carries and
// removes secret-looking values from all of them, not only from the attribute
// values and the detail flow.Redact looks at. These strings are drawn on a
// terminal: an ESC or a carriage return from outside would let a client
// repaint or retitle the engineer's screen. And a client's mistake (a JWT as
// an event name) must not land in a trace file.
func sanitize(e *flow.Event) {
	e.CallID = clean(e.CallID)
	e.ApnsID = clean(e.ApnsID)
	e.Name = clean(e.Name)
	e.Clock = clean(e.Clock)
	if len(e.Attrs) > 0 {
		a := make(map[string]string, len(e.Attrs))
		for k, v := range e.Attrs {
			a[clean(k)] = clean(v)
		}
		e.Attrs = a
	}
	if d := e.Diagnosis; d != nil {
		c := *d
		c.Code = flow.Code(clean(string(c.Code)))
		c.Apple = clean(c.Apple)
		c.Detail = clean(c.Detail)
		c.Hint = clean(c.Hint)
		e.Diagnosis = &c
	}
}

func clean(s string) string {
	if strings.IndexFunc(s, unsafeRune) < 0 {
		return flow.RedactValue(s)
	}
	return flow.RedactValue(strings.Map(func(r rune) rune {
		if unsafeRune(r) {
			return unicode.ReplacementChar
		}
		return r
	}, s))
}

// unsafeRune reports the runes replaced on the way in: control characters
// (ESC, CR, BEL, C1), and the invisible ones that change how the rest reads
// without showing themselves. Bidi embeddings, overrides and isolates
// (U+202A–202E, U+2066–2069, the marks U+200E–200F and U+061C) reorder what
// follows, so a name could read as another ("Trojan Source"); zero-width
// spaces and joiners (U+200B–200D, U+2060, U+FEFF) make two different trace
// names, apns-ids or reasons look the same. U+2028–2029 break lines on some
// terminals.
func unsafeRune(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r == 0x061C, 0x200B <= r && r <= 0x200F, 0x2028 <= r && r <= 0x202E,
		r == 0x2060, 0x2066 <= r && r <= 0x2069, r == 0xFEFF:
		return true
	}
	return false
}

func clip(s string) string {
	if len(s) <= maxErrorLen {
		return s
	}
	cut := maxErrorLen
	for cut > 0 && !utf8Start(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }
