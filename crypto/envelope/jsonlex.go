package envelope

import (
	"strings"
	"unicode/utf8"
)

// lexer is a strict reader for the JSON of the envelope, the payload and
// the plaintext, which every push goes through twice (parse, then the
// decrypted plaintext). It accepts only what it can decode exactly as
// encoding/json would: anything unusual — an escape in a kept string or a
// key, a null, a duplicate or case-folded member, a float where an integer
// goes — makes it bail, and the caller falls back to encoding/json, which
// gives the same value or the error users already know. So the fast path
// never decides a different answer; FuzzFastJSON checks that it agrees.
type lexer struct {
	b   []byte
	i   int
	bad bool // bail: let encoding/json decide
	// s is b as one string, made at the first kept string: every kept
	// string is a substring of it (one allocation, not one per member).
	s string
	// arena holds the decoded B64 values, one allocation for them all.
	arena []byte
}

func (l *lexer) ws() {
	for l.i < len(l.b) {
		switch l.b[l.i] {
		case ' ', '\t', '\n', '\r':
			l.i++
		default:
			return
		}
	}
}

// peek skips white space and returns the next byte (0 at the end).
func (l *lexer) peek() byte {
	l.ws()
	if l.i >= len(l.b) {
		return 0
	}
	return l.b[l.i]
}

func (l *lexer) expect(c byte) {
	if l.peek() != c {
		l.bad = true
		return
	}
	l.i++
}

// end requires nothing but white space after the value.
func (l *lexer) end() {
	if l.peek() != 0 || l.i != len(l.b) {
		l.bad = true
	}
}

// member reads the next key of an object whose '{' was read: first tells
// whether one was read already. It returns false at '}' or on a bail. The
// key is as written, escapes and all: see unknown.
func (l *lexer) member(first bool) (key []byte, ok bool) {
	if l.bad {
		return nil, false
	}
	c := l.peek()
	if c == '}' {
		l.i++
		return nil, false
	}
	if !first {
		if c != ',' {
			l.bad = true
			return nil, false
		}
		l.i++
	}
	raw, _, _ := l.rawString()
	l.expect(':')
	return raw, !l.bad
}

// strStop marks the bytes that end a run of plain string content: the
// quote, the backslash and the control characters (invalid unescaped).
var strStop = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// rawString reads a string and returns what is between its quotes,
// validating escapes; plain says it has none, ascii that every byte is
// below 0x80.
func (l *lexer) rawString() (raw []byte, plain, ascii bool) {
	if l.peek() != '"' {
		l.bad = true
		return nil, false, false
	}
	l.i++
	start := l.i
	plain = true
	var or byte
	for l.i < len(l.b) {
		for l.i < len(l.b) && !strStop[l.b[l.i]] {
			or |= l.b[l.i]
			l.i++
		}
		if l.i >= len(l.b) {
			break
		}
		switch c := l.b[l.i]; {
		case c == '"':
			l.i++
			return l.b[start : l.i-1], plain, or < utf8.RuneSelf
		case c == '\\':
			plain = false
			if l.i+1 >= len(l.b) {
				l.bad = true
				return nil, false, false
			}
			switch l.b[l.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				l.i += 2
			case 'u':
				if l.i+6 > len(l.b) || !isHex4(l.b[l.i+2:l.i+6]) {
					l.bad = true
					return nil, false, false
				}
				l.i += 6
			default:
				l.bad = true
				return nil, false, false
			}
		default: // a control character
			l.bad = true
			return nil, false, false
		}
	}
	l.bad = true
	return nil, false, false
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// str reads a string kept as a value: only one whose bytes are its value
// (no escape, valid UTF-8), as encoding/json would decode it.
func (l *lexer) str() string {
	raw, plain, ascii := l.rawString()
	if l.bad {
		return ""
	}
	if !plain || !ascii && !utf8.Valid(raw) {
		// An escape, or bad UTF-8 encoding/json would turn into U+FFFD.
		l.bad = true
		return ""
	}
	if l.s == "" {
		l.s = string(l.b)
	}
	end := l.i - 1 // raw ends before the closing quote
	return l.s[end-len(raw) : end]
}

// b64 reads a B64 value as B64.UnmarshalJSON does.
func (l *lexer) b64() B64 {
	raw, _, _ := l.rawString()
	if l.bad {
		return nil
	}
	for len(raw) > 0 && raw[len(raw)-1] == '=' {
		raw = raw[:len(raw)-1]
	}
	need := b64enc.DecodedLen(len(raw))
	if need == 0 {
		return B64{} // encoding/json's reader gives an empty value, not nil
	}
	if cap(l.arena)-len(l.arena) < need {
		l.arena = make([]byte, 0, max(need, len(l.b)*3/4))
	}
	out := l.arena[len(l.arena) : len(l.arena)+need]
	n, err := b64enc.Decode(out, raw)
	if err != nil {
		l.bad = true // UnmarshalJSON names the field and the error
		return nil
	}
	l.arena = l.arena[:len(l.arena)+n]
	return out[:n:n] // full slice: an append to one value never writes into the next
}

// int reads an integer literal in [min, max]: no fraction, no exponent.
func (l *lexer) int(min, max int64) int64 {
	l.ws()
	neg := false
	if l.i < len(l.b) && l.b[l.i] == '-' {
		neg = true
		l.i++
	}
	start := l.i
	var v uint64
	for l.i < len(l.b) && '0' <= l.b[l.i] && l.b[l.i] <= '9' {
		if l.i-start >= 18 {
			l.bad = true // may overflow: encoding/json says how
			return 0
		}
		v = v*10 + uint64(l.b[l.i]-'0')
		l.i++
	}
	n := l.i - start
	if n == 0 || n > 1 && l.b[start] == '0' {
		l.bad = true
		return 0
	}
	if l.i < len(l.b) {
		switch l.b[l.i] {
		case '.', 'e', 'E':
			l.bad = true
			return 0
		}
	}
	s := int64(v)
	if neg {
		s = -s
	}
	if s < min || s > max || neg && s == 0 {
		l.bad = true // -0 decodes to 0, but bail rather than reason about it
		return 0
	}
	return s
}

func (l *lexer) bool() bool {
	l.ws()
	switch {
	case strings.HasPrefix(string(l.b[l.i:min(l.i+5, len(l.b))]), "true"):
		l.i += 4
		return true
	case strings.HasPrefix(string(l.b[l.i:min(l.i+5, len(l.b))]), "false"):
		l.i += 5
		return false
	}
	l.bad = true
	return false
}

// maxDepth bounds skip's recursion far below encoding/json's 10000.
const maxDepth = 64

// skip validates and passes over any value (a member nobody reads).
func (l *lexer) skip(depth int) {
	if depth > maxDepth {
		l.bad = true
		return
	}
	switch c := l.peek(); {
	case c == '"':
		l.rawString()
	case c == '{':
		l.i++
		for first := true; ; first = false {
			if _, ok := l.member(first); !ok {
				return
			}
			l.skip(depth + 1)
		}
	case c == '[':
		l.i++
		if l.peek() == ']' {
			l.i++
			return
		}
		for !l.bad {
			l.skip(depth + 1)
			switch l.peek() {
			case ',':
				l.i++
			case ']':
				l.i++
				return
			default:
				l.bad = true
			}
		}
	case c == 't':
		l.literal("true")
	case c == 'f':
		l.literal("false")
	case c == 'n':
		l.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		l.number()
	default:
		l.bad = true
	}
}

func (l *lexer) literal(s string) {
	if !strings.HasPrefix(string(l.b[l.i:min(l.i+len(s), len(l.b))]), s) {
		l.bad = true
		return
	}
	l.i += len(s)
}

// number passes over a JSON number (RFC 8259 grammar).
func (l *lexer) number() {
	if l.i < len(l.b) && l.b[l.i] == '-' {
		l.i++
	}
	digits := func() int {
		s := l.i
		for l.i < len(l.b) && '0' <= l.b[l.i] && l.b[l.i] <= '9' {
			l.i++
		}
		return l.i - s
	}
	start := l.i
	n := digits()
	if n == 0 || n > 1 && l.b[start] == '0' {
		l.bad = true
		return
	}
	if l.i < len(l.b) && l.b[l.i] == '.' {
		l.i++
		if digits() == 0 {
			l.bad = true
			return
		}
	}
	if l.i < len(l.b) && (l.b[l.i] == 'e' || l.b[l.i] == 'E') {
		l.i++
		if l.i < len(l.b) && (l.b[l.i] == '+' || l.b[l.i] == '-') {
			l.i++
		}
		if digits() == 0 {
			l.bad = true
		}
	}
}

// unknown is a member the type does not have: encoding/json would still
// match it to a field whose name equals it case-insensitively, and an
// escaped or non-ASCII key may fold onto a known one (Unicode folding):
// those bail.
func (l *lexer) unknown(key []byte, known []string) {
	for _, c := range key {
		if c >= utf8.RuneSelf || c == '\\' {
			l.bad = true
			return
		}
	}
	for _, k := range known {
		if strings.EqualFold(string(key), k) {
			l.bad = true
			return
		}
	}
	l.skip(1)
}

// once marks bit as seen; a duplicate member bails.
func (l *lexer) once(seen *uint32, bit uint) {
	if *seen&(1<<bit) != 0 {
		l.bad = true
	}
	*seen |= 1 << bit
}
