package apnsmock

import "github.com/callscope/callscope/internal/jsonwalk"

// A push's payload is read twice per push on the request path: is it JSON
// (its event keeps it as JSON or as a string), and what does its aps say
// (the stand-in device's NSE rules). encoding/json's state machine spends
// most of that on the payload's long strings (an envelope's ciphertext);
// the project's lexer (jsonwalk.Lexer) checks as json.Valid does and
// skips strings eight bytes at a time, so the mock's CPU per push stays at
// a plain HTTP/2 server's (bench apns). jsonscan_test.go holds these to
// json.Valid and json.Unmarshal.

// validJSON reports whether b is one JSON value, as json.Valid does.
func validJSON(b []byte) bool { return jsonwalk.Valid(b) }

// members validates b and, when it is an object, finds the values of its
// top-level keys names (nil: absent). ok is false when encoding/json might
// read the members differently than this scanner does (a name twice, in
// other case or escaped): then decode with encoding/json.
func members(b []byte, names ...string) (valid, object bool, vals [][]byte, ok bool) {
	l := jsonwalk.NewLexer(b)
	vals = make([][]byte, len(names))
	if l.Peek() != '{' {
		l.Skip()
		if !l.End() {
			return false, false, nil, true
		}
		return true, false, vals, true
	}
	ok = true
	l.Object()
	for {
		key, more := l.Member()
		if !more {
			break
		}
		v := l.Raw()
		if i := index(names, key); i >= 0 {
			ok = ok && vals[i] == nil // a name twice
			vals[i] = v
		} else if jsonwalk.Foldable(key, names) {
			ok = false
		}
	}
	if !l.End() {
		return false, false, nil, true
	}
	return true, true, vals, ok
}

func index(names []string, key []byte) int {
	for i, n := range names {
		if string(key) == n {
			return i
		}
	}
	return -1
}
