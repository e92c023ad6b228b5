package apnsmock

import (
	"bytes"
	"strings"
)

// A push's payload is read twice per push on the request path: is it JSON
// (its event keeps it as JSON or as a string), and what does its aps say
// (the stand-in device's NSE rules). encoding/json's state machine spends
// most of that on the payload's long strings (an envelope's ciphertext);
// this scanner validates as json.Valid does and skips strings a byte loop
// at a time, so the mock's CPU per push stays at a plain HTTP/2 server's
// (bench apns). jsonscan_test.go holds it to json.Valid and json.Unmarshal.

// maxJSONDepth is encoding/json's nesting limit: deeper is invalid.
const maxJSONDepth = 10000

// jsonScan is one pass over a document.
type jsonScan struct {
	b     []byte
	i     int
	depth int
	// At the top level of an object document: the values of the keys
	// that are exactly one of want, whether one came twice, and whether
	// some other key might match one as encoding/json matches names (case
	// and Unicode folding, escapes).
	want    []string
	vals    [][]byte
	twice   bool
	foldish bool
	isObj   bool
}

// validJSON reports whether b is one JSON value, as json.Valid does.
func validJSON(b []byte) bool {
	s := jsonScan{b: b}
	return s.document()
}

// members validates b and, when it is an object, finds the values of its
// top-level keys names (nil: absent). ok is false when encoding/json might
// read the members differently than this scanner does (a name twice, in
// other case or escaped): then decode with encoding/json.
func members(b []byte, names ...string) (valid, object bool, vals [][]byte, ok bool) {
	s := jsonScan{b: b, want: names, vals: make([][]byte, len(names))}
	if !s.document() {
		return false, false, nil, true
	}
	return true, s.isObj, s.vals, !s.twice && !s.foldish
}

func (s *jsonScan) document() bool {
	s.ws()
	if !s.value(true) {
		return false
	}
	s.ws()
	return s.i == len(s.b)
}

func (s *jsonScan) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *jsonScan) value(top bool) bool {
	if s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '{':
		s.isObj = s.isObj || top
		return s.object(top)
	case c == '[':
		return s.array()
	case c == '"':
		return s.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	case c == 't':
		return s.lit("true")
	case c == 'f':
		return s.lit("false")
	case c == 'n':
		return s.lit("null")
	}
	return false
}

func (s *jsonScan) lit(w string) bool {
	if !bytes.HasPrefix(s.b[s.i:], []byte(w)) {
		return false
	}
	s.i += len(w)
	return true
}

func (s *jsonScan) object(top bool) bool {
	if s.depth++; s.depth > maxJSONDepth {
		return false
	}
	s.i++ // {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		s.depth--
		return true
	}
	for {
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return false
		}
		k0 := s.i + 1
		if !s.str() {
			return false
		}
		key := s.b[k0 : s.i-1]
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return false
		}
		s.i++
		s.ws()
		v0 := s.i
		if !s.value(false) {
			return false
		}
		if top && s.want != nil {
			s.member(key, s.b[v0:s.i])
		}
		s.ws()
		if s.i >= len(s.b) {
			return false
		}
		switch s.b[s.i] {
		case ',':
			s.i++
			s.ws()
		case '}':
			s.i++
			s.depth--
			return true
		default:
			return false
		}
	}
}

// member notes a top-level key: the one wanted, or one that might fold to
// it (any case, an escape, a non-ASCII byte such as the long s).
func (s *jsonScan) member(key, val []byte) {
	for i, w := range s.want {
		if string(key) == w {
			s.twice = s.twice || s.vals[i] != nil
			s.vals[i] = val
			return
		}
		if strings.EqualFold(string(key), w) {
			s.foldish = true
			return
		}
	}
	if bytes.IndexByte(key, '\\') >= 0 {
		s.foldish = true
		return
	}
	for _, c := range key {
		if c >= 0x80 {
			s.foldish = true
			return
		}
	}
}

func (s *jsonScan) array() bool {
	if s.depth++; s.depth > maxJSONDepth {
		return false
	}
	s.i++ // [
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		s.depth--
		return true
	}
	for {
		if !s.value(false) {
			return false
		}
		s.ws()
		if s.i >= len(s.b) {
			return false
		}
		switch s.b[s.i] {
		case ',':
			s.i++
			s.ws()
		case ']':
			s.i++
			s.depth--
			return true
		default:
			return false
		}
	}
}

// str skips a string: any byte but a control character, and the escapes
// \" \\ \/ \b \f \n \r \t \uXXXX. Like json.Valid it does not check UTF-8.
func (s *jsonScan) str() bool {
	s.i++ // "
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return true
		case c == '\\':
			if s.i+1 >= len(s.b) {
				return false
			}
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if s.i+6 > len(s.b) {
					return false
				}
				for _, h := range s.b[s.i+2 : s.i+6] {
					if !isHex(h) {
						return false
					}
				}
				s.i += 6
			default:
				return false
			}
		case c < 0x20:
			return false
		default:
			s.i++
		}
	}
	return false
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// number is -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *jsonScan) number() bool {
	if s.b[s.i] == '-' {
		s.i++
	}
	if s.i >= len(s.b) {
		return false
	}
	if s.b[s.i] == '0' {
		s.i++
	} else if !s.digits() {
		return false
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if !s.digits() {
			return false
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if !s.digits() {
			return false
		}
	}
	return true
}

func (s *jsonScan) digits() bool {
	i0 := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i > i0
}
