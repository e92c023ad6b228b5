package trace

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/callscope/callscope/flow"
)

// Version is the trace line format version this callscope writes and reads
// in full (docs/trace-format.md). Version 1 files (no header line) still load.
const Version = 2

// CallscopeVersion is written into every header; main sets it to the
// binary's version.
var CallscopeVersion = "dev"

// Header is a trace's first line: what recorded it, against what, when.
// It is written as {"v":2,"header":{…}} so that no event can be taken for it.
type Header struct {
	Format    int       `json:"format"`
	Callscope string    `json:"callscope"`
	Mode      string    `json:"mode,omitempty"` // send, screen, mock-apns, device, replay
	Start     time.Time `json:"start"`
	// Endpoints by role: "apns", "ingest", "device_link", "server".
	Endpoints   map[string]string `json:"endpoints,omitempty"`
	Environment string            `json:"environment,omitempty"` // sandbox or production
	Devices     []Device          `json:"devices,omitempty"`
	// Plaintext is true when --record-plaintext kept decrypted text.
	Plaintext bool `json:"plaintext,omitempty"`
	// Extra keeps fields a newer callscope wrote, so that a copy keeps them.
	Extra map[string]json.RawMessage `json:"-"`
}

// Device is one simulated or linked device and its profile as the run used it.
type Device struct {
	Name    string          `json:"name"`
	Profile json.RawMessage `json:"profile,omitempty"`
}

// Line is one line of a trace file: the header, a drop marker, or an event.
// Extra holds the top-level fields this version does not know: a reader
// keeps them and a Recorder writing the Line writes them back.
type Line struct {
	V      int     `json:"v"`
	Header *Header `json:"header,omitempty"`
	// Dropped is a marker line: the recorder's queue dropped this many
	// events just before this point (it fell behind).
	Dropped uint64 `json:"dropped,omitempty"`
	flow.Event
	Extra map[string]json.RawMessage `json:"-"`
}

// knownKeys are the top-level names of a line this version decodes.
var knownKeys = func() map[string]bool {
	m := map[string]bool{"v": true, "header": true, "dropped": true}
	t := reflect.TypeFor[flow.Event]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			m[name] = true
		}
	}
	return m
}()

var headerKeys = map[string]bool{"format": true, "callscope": true, "mode": true, "start": true,
	"endpoints": true, "environment": true, "devices": true, "plaintext": true}

// isKnown matches as encoding/json does: case-insensitively.
func isKnown(known map[string]bool, k string) bool {
	if known[k] {
		return true
	}
	for n := range known {
		if strings.EqualFold(n, k) {
			return true
		}
	}
	return false
}

// hasUnknownKey reports whether the object b has a top-level key outside
// known. It scans without decoding, so that the common line (all keys
// known) is decoded once; an escaped key counts as unknown and takes the
// slow path, which decodes it properly.
func hasUnknownKey(b []byte, known map[string]bool) bool {
	depth := 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case '"':
			j := i + 1
			esc := false
			for j < len(b) && b[j] != '"' {
				if b[j] == '\\' {
					esc = true
					j++
				}
				j++
			}
			if j >= len(b) {
				return false // not JSON; the decoder says why
			}
			if depth == 1 {
				k := j + 1
				for k < len(b) && (b[k] == ' ' || b[k] == '\t' || b[k] == '\r' || b[k] == '\n') {
					k++
				}
				if k < len(b) && b[k] == ':' && (esc || !known[string(b[i+1:j])]) {
					return true
				}
			}
			i = j
		}
	}
	return false
}

// extraOf returns the top-level fields of b that known does not name.
func extraOf(b []byte, known map[string]bool) map[string]json.RawMessage {
	var all map[string]json.RawMessage
	if json.Unmarshal(b, &all) != nil {
		return nil
	}
	for k := range all {
		if isKnown(known, k) {
			delete(all, k)
		}
	}
	if len(all) == 0 {
		return nil
	}
	return all
}

// decodeLine decodes one line, keeping unknown fields in Extra.
func decodeLine(b []byte, l *Line, in interned) error {
	if fastDecodeInterned(b, l, in) {
		return nil
	}
	*l = Line{}
	if err := json.Unmarshal(b, l); err != nil {
		return err
	}
	if hasUnknownKey(b, knownKeys) {
		l.Extra = extraOf(b, knownKeys)
	}
	if l.Header != nil {
		if raw, ok := headerRaw(b); ok && hasUnknownKey(raw, headerKeys) {
			l.Header.Extra = extraOf(raw, headerKeys)
		}
	}
	return nil
}

func headerRaw(b []byte) (json.RawMessage, bool) {
	var w struct {
		Header json.RawMessage `json:"header"`
	}
	if json.Unmarshal(b, &w) != nil || len(w.Header) == 0 {
		return nil, false
	}
	return w.Header, true
}

// appendExtra writes extra's fields into the JSON object obj (which ends in
// '}' and maybe a newline), skipping names obj already has.
func appendExtra(obj []byte, extra map[string]json.RawMessage, known map[string]bool) []byte {
	if len(extra) == 0 {
		return obj
	}
	nl := bytes.HasSuffix(obj, []byte("\n"))
	obj = bytes.TrimRight(obj, "\n")
	obj = obj[:len(obj)-1] // the closing brace
	keys := make([]string, 0, len(extra))
	for k := range extra {
		if !isKnown(known, k) && json.Valid(extra[k]) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if len(obj) > 1 {
			obj = append(obj, ',')
		}
		kb, _ := json.Marshal(k)
		obj = append(obj, kb...)
		obj = append(obj, ':')
		obj = append(obj, extra[k]...)
	}
	obj = append(obj, '}')
	if nl {
		obj = append(obj, '\n')
	}
	return obj
}

// MarshalJSON writes the header with its Extra fields.
func (h Header) MarshalJSON() ([]byte, error) {
	type plain Header
	b, err := json.Marshal(plain(h))
	if err != nil {
		return nil, err
	}
	return appendExtra(b, h.Extra, headerKeys), nil
}

// MarshalLine encodes l as one trace line with its newline: a header line,
// a drop marker, or an event with its Extra fields.
func MarshalLine(l Line) ([]byte, error) {
	var buf bytes.Buffer
	if err := encodeLine(newLineEncoder(&buf), &buf, l); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// newLineEncoder encodes into buf for encodeLine. A trace is read by
// people too: "<signature redacted>", not "\u003c…".
func newLineEncoder(buf *bytes.Buffer) *json.Encoder {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	return enc
}

// encodeLine appends l to buf through enc (which writes to buf): the
// recorder keeps one of each, so a line costs no encoder of its own.
func encodeLine(enc *json.Encoder, buf *bytes.Buffer, l Line) error {
	if l.V == 0 {
		l.V = Version
	}
	start := buf.Len()
	var err error
	switch {
	case l.Header != nil:
		err = enc.Encode(struct {
			V      int     `json:"v"`
			Header *Header `json:"header"`
		}{l.V, l.Header})
	case l.Dropped > 0:
		err = enc.Encode(struct {
			V       int    `json:"v"`
			Dropped uint64 `json:"dropped"`
		}{l.V, l.Dropped})
	default:
		err = enc.Encode(eventLine{l.V, l.Event})
	}
	if err != nil {
		buf.Truncate(start)
		return err
	}
	if len(l.Extra) > 0 && l.Header == nil && l.Dropped == 0 {
		line := appendExtra(bytes.Clone(buf.Bytes()[start:]), l.Extra, knownKeys)
		buf.Truncate(start)
		buf.Write(line)
	}
	return nil
}

type eventLine struct {
	V int `json:"v"`
	flow.Event
}
