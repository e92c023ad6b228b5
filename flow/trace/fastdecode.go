package trace

import (
	"bytes"
	"encoding/json"
	"math"
	"time"
	"unicode/utf8"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/internal/jsonwalk"
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
	s := scan{Lexer: jsonwalk.NewLexer(b), in: in}
	e := &l.Event
	var seen uint32
	s.Object()
	for {
		key, more := s.Member()
		if !more {
			break
		}
		bit := eventKeys[string(key)]
		if bit == 0 || seen&bit != 0 {
			return false
		}
		seen |= bit
		switch string(key) {
		case "v":
			l.V = int(s.Int(math.MinInt64, math.MaxInt64))
		case "seq":
			e.Seq = uint64(s.Int(0, math.MaxInt64))
		case "trace_id":
			e.TraceID = s.str()
		case "call_id":
			e.CallID = s.str()
		case "apns_id":
			e.ApnsID = s.str()
		case "stage":
			e.Stage = flow.Stage(s.str())
		case "name":
			e.Name = s.str()
		case "clock":
			e.Clock = s.str()
		case "outcome":
			e.Outcome = flow.Outcome(s.str())
		case "time":
			s.Peek()
			q := s.Pos()
			if s.RawString(); !s.Bad() && e.Time.UnmarshalJSON(s.Bytes()[q:s.Pos()]) != nil {
				s.Fail()
			}
		case "duration_ns":
			e.Duration = time.Duration(s.Int(math.MinInt64, math.MaxInt64))
		case "waited_ns":
			e.Waited = time.Duration(s.Int(math.MinInt64, math.MaxInt64))
		case "simulated":
			e.Simulated = s.Bool()
		case "instant":
			e.Instant = s.Bool()
		case "attrs":
			e.Attrs = s.strMap()
		case "push":
			e.Push = s.push()
		}
	}
	return s.End()
}

// eventKeys are the keys fastDecode takes, each with its bit for "seen".
var eventKeys = map[string]uint32{"v": 1, "seq": 2, "trace_id": 4, "call_id": 8, "apns_id": 16, "stage": 32, "name": 64,
	"time": 128, "clock": 256, "duration_ns": 512, "simulated": 1024, "waited_ns": 2048, "instant": 4096,
	"attrs": 8192, "outcome": 16384, "push": 32768}

// scan is the shared lexer (jsonwalk.Lexer) with the trace's strings.
type scan struct {
	jsonwalk.Lexer
	in interned
}

// str reads a string. Escapes, and bad UTF-8, go through encoding/json,
// so their meaning (surrogates, U+FFFD) is exactly its own.
func (s *scan) str() string {
	s.Peek()
	q := s.Pos()
	raw, plain, ascii := s.RawString()
	if s.Bad() {
		return ""
	}
	if plain && (ascii || utf8.Valid(raw)) {
		return s.in.get(raw)
	}
	return s.unquote(s.Bytes()[q:s.Pos()])
}

func (s *scan) unquote(quoted []byte) string {
	var v string
	if json.Unmarshal(quoted, &v) != nil {
		s.Fail()
	}
	return v
}

// key is a member's name as encoding/json decodes it.
func (s *scan) key(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return s.in.get(raw)
	}
	return s.unquote(append(append([]byte{'"'}, raw...), '"'))
}

// strMap reads an object of strings. A repeated key: encoding/json keeps
// the last, and so does this.
func (s *scan) strMap() map[string]string {
	m := map[string]string{}
	s.Object()
	for {
		k, more := s.Member()
		if !more {
			return m
		}
		key := s.key(k)
		m[key] = s.str()
	}
}

// push reads the push record; its payload is kept raw, checked as
// json.Valid does.
func (s *scan) push() *flow.PushRecord {
	p := &flow.PushRecord{}
	var seen uint32
	s.Object()
	for {
		key, more := s.Member()
		if !more {
			return p
		}
		bit := pushKeys[string(key)]
		if bit == 0 || seen&bit != 0 {
			s.Fail()
			return p
		}
		seen |= bit
		switch string(key) {
		case "method":
			p.Method = s.str()
		case "path":
			p.Path = s.str()
		case "reason":
			p.Reason = s.str()
		case "apns_id":
			p.ApnsID = s.str()
		case "apns_unique_id":
			p.UniqueID = s.str()
		case "status":
			p.Status = int(s.Int(math.MinInt64, math.MaxInt64))
		case "headers":
			p.Headers = s.strMap()
		case "payload":
			// As json.RawMessage keeps it: an object, array or string
			// (null would leave it nil: encoding/json decides).
			if c := s.Peek(); c != '{' && c != '[' && c != '"' {
				s.Fail()
			}
			if v := s.Raw(); !s.Bad() {
				p.Payload = append(json.RawMessage(nil), v...)
			}
		}
	}
}

var pushKeys = map[string]uint32{"method": 1, "path": 2, "headers": 4, "payload": 8, "status": 16, "reason": 32,
	"apns_id": 64, "apns_unique_id": 128}
