package jsonwalk

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// lexCases are documents at the edges of JSON's grammar, of encoding/json's
// nesting limit, and of what Int, RawString and Member read.
var lexCases = []string{
	``, ` `, `{}`, `[]`, `""`, `"a`, `0`, `-0`, `01`, `-`, `1.`, `1.5`, `1e`, `1e+`, `1E-2`, `.5`, `+1`, `1x`, `-01`, `- 1`,
	`true`, `tru`, `null`, `nul`, `false `, ` {"a":1} `, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `{"a":1}x`, `[1,]`, `[1 2]`, `[,1]`,
	`[1,[2,[3]]]`, `{"a":"\u00e9\n\t\"\\\/\b\f\r"}`, `{"a":"\u00g0"}`, `{"a":"\x"}`, "{\"a\":\"\x01\"}", "\"\xff\xfe\"",
	`{"a":"\u12"}`, `"\`, `"\u"`, `"\ud800"`, `"a\"`, "\"\x7f\"", `"0123456789abcdef\"0123456789"`, "\"0123456789\x1fabcdef\"",
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000), strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000), strings.Repeat(`{"a":`, 10001) + "1" + strings.Repeat("}", 10001),
	`9223372036854775807`, `-9223372036854775808`, `99999999999999999999`, `123456789012345678`, `1234567890123456789`, `-123456789012345678`,
	`4294967295`, `4294967296`, `-1`, `1.0`, `1e0`, `{"a":1,"a":2}`, `{"a":{"b":[1,{"c":"d"}]},"e":true}`, `{"\u0061":1}`,
	`{"é":1}`, `{"a":nul}`, `{"a":t}`, `{"a":-}`, `{"a":1 "b":2}`, `{,"a":1}`, `{"a":1}}`, `[]]`, `"é"`, "\"\xe2\x80\xa8\"",
	`"` + strings.Repeat("A", 600) + `"`, `"` + strings.Repeat("é", 9) + `"`,
}

func lexFromJSON(t *testing.T, b []byte) {
	t.Helper()
	valid := json.Valid(b)
	// Skip checks as json.Valid does.
	if got := Valid(b); got != valid {
		t.Fatalf("Valid(%.80q) = %v, json.Valid %v", b, got, valid)
	}
	// What RawString calls plain is its own value.
	l := NewLexer(b)
	if raw, plain, ascii := l.RawString(); l.End() {
		if !valid {
			t.Fatalf("RawString took %q, json.Valid refuses it", b)
		}
		if ascii != (bytes.IndexFunc(raw, func(r rune) bool { return r >= utf8.RuneSelf }) < 0) {
			t.Fatalf("RawString(%q): ascii %v", b, ascii)
		}
		var s string
		if err := json.Unmarshal(b, &s); plain && utf8.Valid(raw) && (err != nil || s != string(raw)) {
			t.Fatalf("RawString(%q) = %q plain; encoding/json %q %v", b, raw, s, err)
		}
		if plain != (bytes.IndexByte(raw, '\\') < 0) {
			t.Fatalf("RawString(%q): plain %v", b, plain)
		}
	}
	// Int reads what encoding/json stores in an int64, and in a uint32.
	for _, r := range []struct{ min, max int64 }{{-1 << 62, 1 << 62}, {0, 1<<32 - 1}} {
		l = NewLexer(b)
		n := l.Int(r.min, r.max)
		if !l.End() {
			continue
		}
		var v64 int64
		var v32 uint32
		err := json.Unmarshal(b, &v64)
		if r.min == 0 {
			err = json.Unmarshal(b, &v32)
			v64 = int64(v32)
		}
		if err != nil || v64 != n {
			t.Fatalf("Int(%q) in [%d, %d] = %d; encoding/json %d %v", b, r.min, r.max, n, v64, err)
		}
	}
	// Bool.
	l = NewLexer(b)
	if v := l.Bool(); l.End() {
		var w bool
		if err := json.Unmarshal(b, &w); err != nil || v != w {
			t.Fatalf("Bool(%q) = %v; encoding/json %v %v", b, v, w, err)
		}
	}
	// Object and Member: each member's value as json.RawMessage keeps it.
	l = NewLexer(b)
	l.Object()
	got := map[string][]byte{}
	twice := false
	for {
		key, ok := l.Member()
		if !ok {
			break
		}
		_, again := got[string(key)]
		twice = twice || again
		got[string(key)] = l.Raw()
	}
	if l.End() {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("Object(%q) walked; encoding/json: %v", b, err)
		}
		for k, v := range got {
			if plainKey := !Foldable([]byte(k), nil); plainKey && !twice && !bytes.Equal(m[k], v) {
				t.Fatalf("Object(%q): %s = %s; encoding/json %s", b, k, v, m[k])
			}
		}
	}
}

// TestLexer: the Lexer reads and refuses as encoding/json does.
func TestLexer(t *testing.T) {
	for _, c := range lexCases {
		lexFromJSON(t, []byte(c))
	}
}

func FuzzLexer(f *testing.F) {
	for _, c := range lexCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) { lexFromJSON(t, b) })
}

// TestFoldable: the names encoding/json might match to another.
func TestFoldable(t *testing.T) {
	for _, c := range []struct {
		key  string
		want bool
	}{{"aps", true}, {"APS", true}, {"apſ", true}, {`a\u0070s`, true}, {"alert", false}, {"ap", false}, {"", false}} {
		if got := Foldable([]byte(c.key), []string{"aps", "vpe"}); got != c.want {
			t.Errorf("Foldable(%q) = %v", c.key, got)
		}
	}
}
