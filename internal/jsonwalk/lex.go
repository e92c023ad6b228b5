package jsonwalk

import (
	"encoding/binary"
	"strings"
	"unicode/utf8"
)

// MaxDepth is encoding/json's nesting limit: a document nested deeper is
// not valid JSON to it (json.Valid, json.Unmarshal), nor to the Lexer.
const MaxDepth = 10000

// Lexer reads JSON strictly, checking the grammar as json.Valid does, for
// the fast readers of the trace loader, the envelope, the mock and the
// device link's frames. Its readers of values (Int, Bool) take only what
// they can read exactly as encoding/json would (RawString's bytes are a
// string's value only when plain and valid UTF-8: the caller checks); on
// anything else — bad JSON, or good JSON it will not judge (an overflowing
// number, an escape the caller does not want) — it fails, the failure
// sticks (Bad), and the caller decides with encoding/json. So a fast
// reader built on it never answers otherwise than encoding/json:
// lex_test.go holds the Lexer to it, and each reader's fuzz target holds
// the reader.
type Lexer struct {
	cursor
	depth int  // containers open around the next value
	first bool // the object just opened has had no member yet
	bad   bool
}

// NewLexer reads b.
func NewLexer(b []byte) Lexer { return Lexer{cursor: cursor{b: b}} }

// Bad reports whether the reading failed (see Lexer).
func (l *Lexer) Bad() bool { return l.bad }

// Fail makes the reading fail: the caller found something to leave to
// encoding/json (a member twice, a value of another type).
func (l *Lexer) Fail() { l.bad = true }

// Pos is the offset of the next byte to read.
func (l *Lexer) Pos() int { return l.i }

// Bytes is the document.
func (l *Lexer) Bytes() []byte { return l.b }

// cursor is a place in a document, what Lexer and Walker share.
type cursor struct {
	b []byte
	i int
}

func (c *cursor) ws() {
	// One comparison for a byte above the space: compact JSON (a frame, a
	// payload) has no white space, and every read starts here.
	for c.i < len(c.b) && c.b[c.i] <= ' ' {
		switch c.b[c.i] {
		case ' ', '\t', '\n', '\r':
			c.i++
		default:
			return
		}
	}
}

// Peek skips white space and returns the next byte (0 at the end).
func (l *Lexer) Peek() byte {
	l.ws()
	if l.i >= len(l.b) {
		return 0
	}
	return l.b[l.i]
}

// Expect reads the byte c, after white space.
func (l *Lexer) Expect(c byte) {
	if l.Peek() != c {
		l.bad = true
		return
	}
	l.i++
}

// End requires nothing but white space after the document; it reports
// whether the whole reading succeeded.
func (l *Lexer) End() bool {
	if l.Peek() != 0 || l.i != len(l.b) {
		l.bad = true
	}
	return !l.bad
}

// Object opens the object that must come next; Member then reads its
// members one by one.
func (l *Lexer) Object() {
	if l.Peek() != '{' {
		l.bad = true
		return
	}
	l.i++
	l.open()
	l.first = true
}

func (l *Lexer) open() {
	if l.depth++; l.depth > MaxDepth {
		l.bad = true
	}
}

// Member reads the next member's key and colon, leaving its value to
// read; false at the object's '}' (read) or on a failure. The key is as
// written, escapes and all: see Foldable. A value read between two
// Members may itself be an object read with Object and Member.
func (l *Lexer) Member() (key []byte, ok bool) {
	if l.bad {
		return nil, false
	}
	c := l.Peek()
	if c == '}' {
		l.i++
		l.depth--
		l.first = false // the enclosing object, if any, is within a member
		return nil, false
	}
	if !l.first {
		if c != ',' {
			l.bad = true
			return nil, false
		}
		l.i++
	}
	l.first = false
	raw, _, _ := l.RawString()
	l.Expect(':')
	return raw, !l.bad
}

// Once marks member bit of seen; a member twice fails (encoding/json
// keeps the last, or merges objects: its call).
func (l *Lexer) Once(seen *uint32, bit uint) {
	if *seen&(1<<bit) != 0 {
		l.bad = true
	}
	*seen |= 1 << bit
}

// Foldable reports whether encoding/json might match key, a name as
// written between its quotes, to one of names it is not: its names match
// without regard to case, Unicode folding included, and after unescaping.
func Foldable(key []byte, names []string) bool { return foldable(key, names) }

func foldable[K string | []byte](key K, names []string) bool {
	for i := 0; i < len(key); i++ {
		if c := key[i]; c >= utf8.RuneSelf || c == '\\' {
			return true
		}
	}
	for _, n := range names {
		if strings.EqualFold(string(key), n) {
			return true
		}
	}
	return false
}

// Unknown skips the value of a member whose key is none of known, as
// encoding/json ignores it, or fails if encoding/json might match it to
// one (Foldable).
func (l *Lexer) Unknown(key []byte, known []string) {
	if Foldable(key, known) {
		l.bad = true
		return
	}
	l.Skip()
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

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// RawString reads a string and returns what is between its quotes,
// checking its escapes; plain says it has none, ascii that every byte is
// below 0x80. Like json.Valid it does not check UTF-8.
func (l *Lexer) RawString() (raw []byte, plain, ascii bool) {
	if l.Peek() != '"' {
		l.bad = true
		return nil, false, false
	}
	l.i++
	start := l.i
	plain = true
	var or uint64
	for {
		// Eight bytes at a time while none is a quote, a backslash or a
		// control character: most of a payload is its long base64 strings.
		for l.i+8 <= len(l.b) {
			x := binary.LittleEndian.Uint64(l.b[l.i:])
			q, bs := x^(ones*'"'), x^(ones*'\\')
			if ((q-ones)&^q|(bs-ones)&^bs|(x-ones*0x20)&^x)&highs != 0 {
				break
			}
			or |= x
			l.i += 8
		}
		for l.i < len(l.b) && !strStop[l.b[l.i]] {
			or |= uint64(l.b[l.i])
			l.i++
		}
		if l.i >= len(l.b) {
			break
		}
		switch c := l.b[l.i]; {
		case c == '"':
			l.i++
			return l.b[start : l.i-1], plain, or&highs == 0
		case c == '\\':
			plain = false
			if !l.escape() {
				return nil, false, false
			}
			continue
		default: // a control character
		}
		break
	}
	l.bad = true
	return nil, false, false
}

// escape reads the escape at l.i.
func (l *Lexer) escape() bool {
	if l.i+1 < len(l.b) {
		switch l.b[l.i+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			l.i += 2
			return true
		case 'u':
			if l.i+6 <= len(l.b) && isHex4(l.b[l.i+2:l.i+6]) {
				l.i += 6
				return true
			}
		}
	}
	l.bad = true
	return false
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
