package device

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// decodePayload is json.Unmarshal(b, pl), with a faster path for payloads
// of the usual shape: every push the extension gets is read here, and
// encoding/json validated it and then decoded it byte by byte, the
// envelope's ciphertext included. After one validating pass (json.Valid),
// the members are found by skipping strings with a byte search. Anything
// the fast path does not read exactly as encoding/json would (a name in
// other case or escaped, a name twice, null, a value of another type, a
// string with escapes or non-ASCII bytes) goes to encoding/json.
func decodePayload(b []byte, pl *payloadAPS) error {
	if !json.Valid(b) {
		return json.Unmarshal(b, pl)
	}
	var fast payloadAPS
	if payloadFast(b, &fast) {
		*pl = fast
		return nil
	}
	return json.Unmarshal(b, pl)
}

// payloadFast reads a valid JSON document's top-level aps (alert,
// mutable-content), traceparent and vpe; ok is false when encoding/json
// must decide.
func payloadFast(b []byte, pl *payloadAPS) bool {
	s := validScan{b: b}
	var seen [3]bool
	return s.object(func(key string) bool {
		switch key {
		case "aps":
			if seen[0] || !s.at('{') {
				return false
			}
			seen[0] = true
			var apsSeen [2]bool
			return s.object(func(key string) bool {
				switch key {
				case "alert":
					if apsSeen[0] || s.at('n') {
						return false
					}
					apsSeen[0] = true
					pl.APS.Alert = append(json.RawMessage(nil), s.value()...)
					return true
				case "mutable-content":
					if apsSeen[1] {
						return false
					}
					apsSeen[1] = true
					n, ok := s.integer()
					pl.APS.MutableContent = n
					return ok
				}
				return s.other(key, "alert", "mutable-content")
			})
		case "traceparent":
			if seen[1] {
				return false
			}
			seen[1] = true
			v, ok := s.plainString()
			pl.TraceParent = v
			return ok
		case "vpe":
			if seen[2] || s.at('n') {
				return false
			}
			seen[2] = true
			pl.VPE = append(json.RawMessage(nil), s.value()...)
			return true
		}
		return s.other(key, "aps", "traceparent", "vpe")
	})
}

// envelopeHeaderFast reads the header fields of a VPE object taken from a
// valid document, as json.Unmarshal into envelopeHeader would; ok is false
// when encoding/json must decide.
func envelopeHeaderFast(raw []byte, h *envelopeHeader) bool {
	s := validScan{b: raw}
	if !s.at('{') {
		return false
	}
	var seen [6]bool
	once := func(i int) bool {
		if seen[i] {
			return false
		}
		seen[i] = true
		return true
	}
	return s.object(func(key string) bool {
		var ok bool
		switch key {
		case "v":
			h.V, ok = s.integer()
			return once(0) && ok
		case "alg":
			h.Alg, ok = s.plainString()
			return once(1) && ok
		case "kid":
			h.KID, ok = s.plainString()
			return once(2) && ok
		case "rcpt":
			h.Rcpt, ok = s.plainString()
			return once(3) && ok
		case "ts":
			var n int
			n, ok = s.integer()
			h.TS = int64(n)
			return once(4) && ok
		case "ttl":
			var n int
			n, ok = s.integer()
			h.TTL = int64(n)
			return once(5) && ok
		}
		return s.other(key, "v", "alg", "kid", "rcpt", "ts", "ttl")
	}) && s.i == len(raw)
}

// validScan walks a document json.Valid accepted: it skips values without
// checking them again.
type validScan struct {
	b []byte
	i int
}

func (s *validScan) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// at reports whether the next value starts with c.
func (s *validScan) at(c byte) bool {
	s.ws()
	return s.i < len(s.b) && s.b[s.i] == c
}

// object calls member for each member of the object at s, after its name
// and colon; member reads or skips the value, or returns false to give up.
// A name with escapes gives up.
func (s *validScan) object(member func(key string) bool) bool {
	if !s.at('{') {
		return false
	}
	s.i++
	for {
		s.ws()
		switch s.b[s.i] {
		case '}':
			s.i++
			s.ws()
			return true
		case ',':
			s.i++
			s.ws()
		}
		raw := s.str()
		if bytes.IndexByte(raw, '\\') >= 0 {
			return false
		}
		s.ws()
		s.i++ // ':'
		s.ws()
		if !member(string(raw)) {
			return false
		}
	}
}

// other skips the value of a member named key that is none of names, as
// encoding/json ignores it, unless encoding/json might match it to one
// (its names match without regard to case).
func (s *validScan) other(key string, names ...string) bool {
	for _, n := range names {
		if strings.EqualFold(key, n) || !asciiOnly(key) {
			return false
		}
	}
	s.value()
	return true
}

// str skips the string at s and returns what is between its quotes.
func (s *validScan) str() []byte {
	start := s.i + 1
	for j := start; ; {
		k := bytes.IndexByte(s.b[j:], '"')
		j += k
		bs := 0
		for bs < j-start && s.b[j-1-bs] == '\\' {
			bs++
		}
		if bs%2 == 0 {
			s.i = j + 1
			return s.b[start:j]
		}
		j++
	}
}

// value skips the value at s and returns it.
func (s *validScan) value() []byte {
	s.ws()
	start := s.i
	switch s.b[s.i] {
	case '"':
		s.str()
	case '{', '[':
		depth := 0
		for {
			switch s.b[s.i] {
			case '"':
				s.str()
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}
			s.i++
			if depth == 0 {
				break
			}
		}
	default: // number, true, false, null
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return s.b[start:s.i]
			}
			s.i++
		}
	}
	return s.b[start:s.i]
}

// plainString reads a string without escapes, of ASCII only: its value is
// its bytes.
func (s *validScan) plainString() (string, bool) {
	if !s.at('"') {
		return "", false
	}
	raw := s.str()
	if bytes.IndexByte(raw, '\\') >= 0 || !asciiOnly(string(raw)) {
		return "", false
	}
	return string(raw), true
}

// integer reads a number encoding/json stores in an int without error.
func (s *validScan) integer() (int, bool) {
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '-' && (s.b[s.i] < '0' || s.b[s.i] > '9') {
		return 0, false
	}
	n, err := strconv.ParseInt(string(s.value()), 10, 64)
	return int(n), err == nil
}

func asciiOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
