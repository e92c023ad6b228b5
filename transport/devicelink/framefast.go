package devicelink

import (
	"encoding/base64"
	"strconv"
	"time"
)

// decodeFast decodes the frames this package writes (compact JSON, the
// names as spelled, ASCII strings without escapes) into f, as json.Unmarshal
// would: every push and ack crosses here, and encoding/json validated each
// frame and then decoded it, a push's base64 payload twice over. ok is
// false for anything else (another spelling, an escape, null, forward, a
// hello's topics, a broken frame): then encoding/json decodes and reports.
func decodeFast(b []byte, f *Frame) (ok bool) {
	l := fastLexer{b: b}
	if !l.byte('{') {
		return false
	}
	if l.byte('}') {
		return l.i == len(b)
	}
	for {
		key, ok := l.str()
		if !ok || !l.byte(':') {
			return false
		}
		switch string(key) {
		case "type":
			f.Type, ok = l.text()
		case "version":
			f.Version, ok = l.int()
		case "token":
			f.Token, ok = l.text()
		case "environment":
			f.Environment, ok = l.text()
		case "device":
			f.Device, ok = l.text()
		case "stored":
			f.Stored, ok = l.int()
		case "reason":
			f.Reason, ok = l.text()
		case "seq":
			var n []byte
			if n, ok = l.number(); ok {
				var u uint64
				u, ok = parseUint(n)
				f.Seq = u
			}
		case "apns_id":
			f.ApnsID, ok = l.text()
		case "topic":
			f.Topic, ok = l.text()
		case "push_type":
			f.PushType, ok = l.text()
		case "priority":
			f.Priority, ok = l.int()
		case "expiration":
			var n []byte
			if n, ok = l.number(); ok {
				var v int64
				v, ok = parseInt(n)
				f.Expiration = &v
			}
		case "collapse_id":
			f.CollapseID, ok = l.text()
		case "trace_id":
			f.TraceID, ok = l.text()
		case "payload":
			var s []byte
			if s, ok = l.str(); ok {
				p := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
				n, err := base64.StdEncoding.Decode(p, s)
				f.Payload, ok = p[:n], err == nil
			}
		case "accepted", "sent":
			start := l.i
			if _, ok = l.str(); ok {
				var t time.Time
				ok = t.UnmarshalJSON(b[start:l.i]) == nil
				if key[0] == 'a' {
					f.Accepted = t
				} else {
					f.Sent = t
				}
			}
		default:
			return false
		}
		if !ok {
			return false
		}
		if l.byte('}') {
			return l.i == len(b)
		}
		if !l.byte(',') {
			return false
		}
	}
}

type fastLexer struct {
	b []byte
	i int
}

func (l *fastLexer) byte(c byte) bool {
	if l.i < len(l.b) && l.b[l.i] == c {
		l.i++
		return true
	}
	return false
}

// str is a string of printable ASCII without escapes, its bytes as they
// stand between the quotes.
func (l *fastLexer) str() ([]byte, bool) {
	if !l.byte('"') {
		return nil, false
	}
	start := l.i
	for ; l.i < len(l.b); l.i++ {
		switch c := l.b[l.i]; {
		case c == '"':
			l.i++
			return l.b[start : l.i-1], true
		case c < 0x20 || c >= 0x80 || c == '\\':
			return nil, false
		}
	}
	return nil, false
}

func (l *fastLexer) text() (string, bool) {
	s, ok := l.str()
	return string(s), ok
}

// number is an integer as JSON spells one: -?(0|[1-9][0-9]*).
func (l *fastLexer) number() ([]byte, bool) {
	start := l.i
	l.byte('-')
	d := l.i
	for l.i < len(l.b) && '0' <= l.b[l.i] && l.b[l.i] <= '9' {
		l.i++
	}
	switch {
	case l.i == d, l.b[d] == '0' && l.i > d+1:
		return nil, false
	case l.i < len(l.b) && (l.b[l.i] == '.' || l.b[l.i] == 'e' || l.b[l.i] == 'E'):
		return nil, false
	}
	return l.b[start:l.i], true
}

func (l *fastLexer) int() (int, bool) {
	n, ok := l.number()
	if !ok {
		return 0, false
	}
	v, ok := parseInt(n)
	return int(v), ok
}

func parseInt(n []byte) (int64, bool) {
	v, err := strconv.ParseInt(string(n), 10, 64)
	return v, err == nil
}

func parseUint(n []byte) (uint64, bool) {
	v, err := strconv.ParseUint(string(n), 10, 64)
	return v, err == nil
}
