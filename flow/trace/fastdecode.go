package trace

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/callscope/callscope/flow"
)

// fastDecode decodes the common event line without reflection: the keys
// flow.Event writes, each once, ASCII-or-UTF-8 strings, integers, booleans.
// Anything else (a header, a drop marker, an unknown or repeated key, null,
// a diagnosis) returns false and the line takes encoding/json, so the
// result is always what encoding/json would give (FuzzFastDecode checks).
// It is what lets the loader run well above encoding/json alone.
func fastDecode(b []byte, l *Line) bool {
	return fastDecodeInterned(b, l, nil)
}

// interned shares the strings a trace repeats (attribute names, stages,
// a request's trace id on each of its events): one allocation, not one a
// line. Bounded: it starts over when full.
type interned map[string]string

const (
	internMax    = 4096
	internMaxLen = 64
)

func (m interned) get(b []byte) string {
	if m == nil || len(b) > internMaxLen {
		return string(b)
	}
	if v, ok := m[string(b)]; ok {
		return v
	}
	if len(m) >= internMax {
		clear(m)
	}
	v := string(b)
	m[v] = v
	return v
}

func fastDecodeInterned(b []byte, l *Line, in interned) bool {
	s := scan{b: b, in: in}
	s.ws()
	var seen uint32
	return s.object(func(key string) (ok bool) {
		bit, known := eventKeys[key]
		if !known || seen&bit != 0 {
			return false
		}
		seen |= bit
		e := &l.Event
		switch key {
		case "v":
			var n int64
			n, ok = s.int()
			l.V = int(n)
			ok = ok && n == int64(l.V)
		case "seq":
			var n int64
			n, ok = s.int()
			e.Seq = uint64(n)
			ok = ok && n >= 0
		case "trace_id":
			e.TraceID, ok = s.str()
		case "call_id":
			e.CallID, ok = s.str()
		case "apns_id":
			e.ApnsID, ok = s.str()
		case "stage":
			var v string
			v, ok = s.str()
			e.Stage = flow.Stage(v)
		case "name":
			e.Name, ok = s.str()
		case "clock":
			e.Clock, ok = s.str()
		case "outcome":
			var v string
			v, ok = s.str()
			e.Outcome = flow.Outcome(v)
		case "time":
			start := s.i
			if _, ok = s.str(); ok {
				ok = e.Time.UnmarshalJSON(s.b[start:s.i]) == nil
			}
		case "duration_ns":
			var n int64
			n, ok = s.int()
			e.Duration = time.Duration(n)
		case "waited_ns":
			var n int64
			n, ok = s.int()
			e.Waited = time.Duration(n)
		case "simulated":
			e.Simulated, ok = s.bool()
		case "instant":
			e.Instant, ok = s.bool()
		case "attrs":
			e.Attrs, ok = s.strMap()
		case "push":
			e.Push, ok = s.push()
		}
		return ok
	}) && s.end()
}

// eventKeys are the keys fastDecode takes, each with its bit for "seen".
var eventKeys = map[string]uint32{"v": 1, "seq": 2, "trace_id": 4, "call_id": 8, "apns_id": 16, "stage": 32, "name": 64,
	"time": 128, "clock": 256, "duration_ns": 512, "simulated": 1024, "waited_ns": 2048, "instant": 4096,
	"attrs": 8192, "outcome": 16384, "push": 32768}

type scan struct {
	b  []byte
	i  int
	in interned
}

func (s *scan) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scan) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *scan) end() bool {
	s.ws()
	return s.i == len(s.b)
}

// str reads a string. Escapes go through encoding/json, so their meaning
// (surrogates, invalid ones) is exactly its own.
func (s *scan) str() (string, bool) {
	if !s.eat('"') {
		return "", false
	}
	start := s.i
	esc, high := false, false
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			raw := s.b[start:s.i]
			s.i++
			if esc || (high && !utf8.Valid(raw)) {
				var v string
				if json.Unmarshal(s.b[start-1:s.i], &v) != nil {
					return "", false
				}
				return v, true
			}
			return s.in.get(raw), true
		case c == '\\':
			esc = true
			s.i += 2
			continue
		case c < 0x20:
			return "", false
		case c >= 0x80:
			high = true
		}
		s.i++
	}
	return "", false
}

func (s *scan) int() (int64, bool) {
	start := s.i
	if s.eat('-') && s.i == len(s.b) {
		return 0, false
	}
	d := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	if s.i == d || (s.b[d] == '0' && s.i-d > 1) {
		return 0, false
	}
	if s.i < len(s.b) {
		switch s.b[s.i] {
		case ',', '}', ' ', '\t', '\n', '\r':
		default:
			return 0, false // a fraction or exponent: encoding/json decides
		}
	}
	n, err := strconv.ParseInt(string(s.b[start:s.i]), 10, 64)
	return n, err == nil
}

func (s *scan) bool() (bool, bool) {
	switch {
	case len(s.b)-s.i >= 4 && string(s.b[s.i:s.i+4]) == "true":
		s.i += 4
		return true, true
	case len(s.b)-s.i >= 5 && string(s.b[s.i:s.i+5]) == "false":
		s.i += 5
		return false, true
	}
	return false, false
}

// strMap reads an object of strings. A repeated key: encoding/json keeps
// the last, and so does this.
func (s *scan) strMap() (map[string]string, bool) {
	m := map[string]string{}
	ok := s.object(func(k string) (ok bool) {
		m[k], ok = s.str()
		return ok
	})
	return m, ok
}

// push reads the push record; its payload is kept raw, checked by json.Valid.
func (s *scan) push() (*flow.PushRecord, bool) {
	p := &flow.PushRecord{}
	var seen uint32
	ok := s.object(func(k string) (ok bool) {
		bit, known := pushKeys[k]
		if !known || seen&bit != 0 {
			return false
		}
		seen |= bit
		switch k {
		case "method":
			p.Method, ok = s.str()
		case "path":
			p.Path, ok = s.str()
		case "reason":
			p.Reason, ok = s.str()
		case "apns_id":
			p.ApnsID, ok = s.str()
		case "apns_unique_id":
			p.UniqueID, ok = s.str()
		case "status":
			var n int64
			n, ok = s.int()
			p.Status = int(n)
			ok = ok && n == int64(p.Status)
		case "headers":
			p.Headers, ok = s.strMap()
		case "payload":
			p.Payload, ok = s.raw()
		}
		return ok
	})
	return p, ok
}

// object reads one JSON object, handing each key to field, which reads the
// value after the colon and says whether it could. Any other shape: false.
func (s *scan) object(field func(key string) bool) bool {
	if !s.eat('{') {
		return false
	}
	s.ws()
	if s.eat('}') {
		return true
	}
	for {
		s.ws()
		k, ok := s.str()
		if !ok {
			return false
		}
		s.ws()
		if !s.eat(':') {
			return false
		}
		s.ws()
		if !field(k) {
			return false
		}
		s.ws()
		if s.eat(',') {
			continue
		}
		return s.eat('}')
	}
}

var pushKeys = map[string]uint32{"method": 1, "path": 2, "headers": 4, "payload": 8, "status": 16, "reason": 32,
	"apns_id": 64, "apns_unique_id": 128}

// raw reads one JSON value as it is (an object or array, not null), as
// json.RawMessage keeps it.
func (s *scan) raw() (json.RawMessage, bool) {
	start := s.i
	if s.i >= len(s.b) || (s.b[s.i] != '{' && s.b[s.i] != '[' && s.b[s.i] != '"') {
		return nil, false
	}
	depth := 0
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '"':
			if !s.skipStr() {
				return nil, false
			}
			if depth == 0 {
				return s.valid(start)
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				s.i++
				return s.valid(start)
			}
		}
		s.i++
	}
	return nil, false
}

func (s *scan) valid(start int) (json.RawMessage, bool) {
	v := s.b[start:s.i]
	if !json.Valid(v) {
		return nil, false
	}
	return append(json.RawMessage(nil), v...), true
}

func (s *scan) skipStr() bool {
	s.i++ // the opening quote
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '"':
			s.i++
			return true
		case '\\':
			s.i++
		}
		s.i++
	}
	return false
}
