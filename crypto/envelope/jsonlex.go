package envelope

import (
	"unicode/utf8"

	"github.com/callscope/callscope/internal/jsonwalk"
)

// lexer reads the JSON of the envelope, the payload and the plaintext,
// which every push goes through twice (parse, then the decrypted
// plaintext), with the project's strict lexer (jsonwalk.Lexer). It accepts
// only what it can decode exactly as encoding/json would: anything
// unusual — an escape in a kept string or a key, a null, a duplicate or
// case-folded member, a float where an integer goes — makes it bail, and
// the caller falls back to encoding/json, which gives the same value or
// the error users already know. So the fast path never decides a
// different answer; FuzzFastJSON checks that it agrees.
type lexer struct {
	jsonwalk.Lexer
	// s is the document as one string, made at the first kept string:
	// every kept string is a substring of it (one allocation, not one per
	// member).
	s string
	// arena holds the decoded B64 values, one allocation for them all.
	arena []byte
}

func newLexer(b []byte) *lexer { return &lexer{Lexer: jsonwalk.NewLexer(b)} }

// str reads a string kept as a value: only one whose bytes are its value
// (no escape, valid UTF-8), as encoding/json would decode it.
func (l *lexer) str() string {
	raw, plain, ascii := l.RawString()
	return l.keep(raw, plain, ascii)
}

func (l *lexer) keep(raw []byte, plain, ascii bool) string {
	if l.Bad() {
		return ""
	}
	if !plain || !ascii && !utf8.Valid(raw) {
		// An escape, or bad UTF-8 encoding/json would turn into U+FFFD.
		l.Fail()
		return ""
	}
	if l.s == "" {
		l.s = string(l.Bytes())
	}
	end := l.Pos() - 1 // raw ends before the closing quote
	return l.s[end-len(raw) : end]
}

// b64 reads a B64 value as B64.UnmarshalJSON does.
func (l *lexer) b64() B64 {
	raw, _, _ := l.RawString()
	if l.Bad() {
		return nil
	}
	for len(raw) > 0 && raw[len(raw)-1] == '=' {
		raw = raw[:len(raw)-1]
	}
	if len(raw) == 0 {
		return B64{} // encoding/json's reader gives an empty value, not nil
	}
	// One character left is no base64 (Decode says so) though it decodes
	// to no byte: need is 0 for it too.
	need := b64enc.DecodedLen(len(raw))
	if cap(l.arena)-len(l.arena) < need {
		l.arena = make([]byte, 0, max(need, len(l.Bytes())*3/4))
	}
	out := l.arena[len(l.arena) : len(l.arena)+need]
	n, err := b64enc.Decode(out, raw)
	if err != nil {
		l.Fail() // UnmarshalJSON names the field and the error
		return nil
	}
	l.arena = l.arena[:len(l.arena)+n]
	return out[:n:n] // full slice: an append to one value never writes into the next
}
