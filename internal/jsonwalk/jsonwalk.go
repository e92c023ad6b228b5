// Package jsonwalk is the project's one hand-written JSON reader, for the
// hot paths where encoding/json's reflection cost too much: Lexer reads
// JSON strictly, checking it as json.Valid does (the trace loader, the
// envelope, the mock's payload scan, the device link's frames); Walker
// reads members out of a document json.Valid already accepted, skipping
// strings with a byte search (a push's payload on the device, a push
// request on the provider). Both read only what they can read exactly as
// encoding/json would and leave the rest to it: whatever the walk cannot
// read so (a name in other case or escaped, null, a string with escapes
// or non-ASCII) it declines, and the caller decodes with encoding/json.
package jsonwalk

import (
	"bytes"
	"strconv"
	"unsafe"
)

// Walker walks a document json.Valid accepted: it skips values without
// checking them again.
type Walker struct{ cursor }

// New walks b, which json.Valid accepted.
func New(b []byte) *Walker { return &Walker{cursor{b: b}} }

// Done reports whether the walk reached the end of the document.
func (s *Walker) Done() bool { return s.i == len(s.b) }

// At reports whether the next value starts with c.
func (s *Walker) At(c byte) bool {
	s.ws()
	return s.i < len(s.b) && s.b[s.i] == c
}

// Object calls member for each member of the object at s, after its name
// and colon; member reads or skips the value, or returns false to give up.
// A name with escapes gives up. key is the name's bytes in the document,
// not a copy (a copy per member was a third of a walk's allocations): it
// holds only while member runs; compare it, never keep it.
func (s *Walker) Object(member func(key string) bool) bool {
	if !s.At('{') {
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
		raw := s.Str()
		if bytes.IndexByte(raw, '\\') >= 0 {
			return false
		}
		s.ws()
		s.i++ // ':'
		s.ws()
		if !member(unsafe.String(unsafe.SliceData(raw), len(raw))) {
			return false
		}
	}
}

// Other skips the value of a member named key that is none of names, as
// encoding/json ignores it, unless encoding/json might match it to one
// (its names match without regard to case).
func (s *Walker) Other(key string, names ...string) bool {
	if foldable(key, names) {
		return false
	}
	s.Value()
	return true
}

// Str skips the string at s and returns what is between its quotes.
func (s *Walker) Str() []byte {
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

// Value skips the value at s and returns it.
func (s *Walker) Value() []byte {
	s.ws()
	start := s.i
	switch s.b[s.i] {
	case '"':
		s.Str()
	case '{', '[':
		depth := 0
		for {
			switch s.b[s.i] {
			case '"':
				s.Str()
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

// PlainString reads a string without escapes, of ASCII only: its value is
// its bytes.
func (s *Walker) PlainString() (string, bool) {
	if !s.At('"') {
		return "", false
	}
	raw := s.Str()
	if bytes.IndexByte(raw, '\\') >= 0 || !asciiOnly(string(raw)) {
		return "", false
	}
	return string(raw), true
}

// Integer reads a number encoding/json stores in an int without error.
func (s *Walker) Integer() (int, bool) {
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '-' && (s.b[s.i] < '0' || s.b[s.i] > '9') {
		return 0, false
	}
	n, err := strconv.ParseInt(string(s.Value()), 10, 64)
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
