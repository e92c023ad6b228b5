package devicelink

import (
	"encoding/base64"
	"math"
	"time"
	"unicode/utf8"

	"github.com/callscope/callscope/internal/jsonwalk"
)

// decodeFast decodes the frames this package writes into f, as
// json.Unmarshal would: every push and ack crosses here, and encoding/json
// validated each frame and then decoded it, a push's base64 payload twice
// over. It reads with the project's strict lexer (jsonwalk.Lexer), which
// checks the frame as json.Valid does; ok is false for anything it will not
// judge (another spelling of a name, an escape, null, forward, a hello's
// topics, a number encoding/json might read otherwise, a broken frame):
// then encoding/json decodes and reports. FuzzDecodeFast holds it to
// json.Unmarshal.
func decodeFast(b []byte, f *Frame) (ok bool) {
	// Built in place: frameLexer{jsonwalk.NewLexer(b)} copied the lexer
	// twice through the stack, a fifth of an ack's decoding.
	var l frameLexer
	l.Lexer = jsonwalk.NewLexer(b)
	l.Object()
	for {
		key, more := l.Member()
		if !more {
			break
		}
		// A name twice needs no check: encoding/json keeps the last
		// value, and so does this.
		switch string(key) {
		case "type":
			f.Type = l.typ()
		case "version":
			f.Version = l.int()
		case "token":
			f.Token = l.text()
		case "environment":
			f.Environment = l.text()
		case "device":
			f.Device = l.text()
		case "stored":
			f.Stored = l.int()
		case "reason":
			f.Reason = l.text()
		case "seq":
			f.Seq = uint64(l.Int(0, math.MaxInt64))
		case "apns_id":
			f.ApnsID = l.text()
		case "topic":
			f.Topic = l.text()
		case "push_type":
			f.PushType = l.text()
		case "priority":
			f.Priority = l.int()
		case "expiration":
			v := l.Int(math.MinInt64, math.MaxInt64)
			f.Expiration = &v
		case "collapse_id":
			f.CollapseID = l.text()
		case "trace_id":
			f.TraceID = l.text()
		case "payload":
			f.Payload = l.b64()
		case "accepted":
			f.Accepted = l.instant()
		case "sent":
			f.Sent = l.instant()
		default:
			// topics, forward, a name in other case or escaped, one
			// encoding/json ignores: its call.
			l.Fail()
		}
	}
	return l.End()
}

// frameLexer reads a frame's values as encoding/json stores them in Frame.
type frameLexer struct{ jsonwalk.Lexer }

// text reads a string whose bytes are its value (no escape, valid UTF-8).
func (l *frameLexer) text() string { return l.keep(l.RawString()) }

func (l *frameLexer) keep(raw []byte, plain, ascii bool) string {
	if l.Bad() {
		return ""
	}
	if !plain || !ascii && !utf8.Valid(raw) {
		l.Fail() // an escape, or bad UTF-8 encoding/json would make U+FFFD
		return ""
	}
	return string(raw)
}

// typ is text, with the types of the frames every call sends (a push and
// its ack) as the constants: no allocation for them.
func (l *frameLexer) typ() string {
	raw, plain, ascii := l.RawString()
	switch string(raw) { // as written: a raw without escapes, its value
	case TypePush:
		return TypePush
	case TypeAck:
		return TypeAck
	}
	return l.keep(raw, plain, ascii)
}

func (l *frameLexer) int() int { return int(l.Int(math.MinInt, math.MaxInt)) }

// b64 reads a []byte as encoding/json does: a standard base64 string.
func (l *frameLexer) b64() []byte {
	raw, plain, _ := l.RawString()
	if l.Bad() {
		return nil
	}
	if !plain {
		l.Fail() // encoding/json would unquote it first
		return nil
	}
	p := make([]byte, base64.StdEncoding.DecodedLen(len(raw)))
	n, err := base64.StdEncoding.Decode(p, raw)
	if err != nil {
		l.Fail()
		return nil
	}
	return p[:n]
}

// instant reads a time.Time as encoding/json does: its UnmarshalJSON gets
// the string as written, quotes and all.
func (l *frameLexer) instant() time.Time {
	var t time.Time
	l.Peek()
	q := l.Pos()
	if l.RawString(); !l.Bad() && t.UnmarshalJSON(l.Bytes()[q:l.Pos()]) != nil {
		l.Fail()
	}
	return t
}
