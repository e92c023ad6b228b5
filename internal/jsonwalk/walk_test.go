package jsonwalk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
)

// walkRef is what walkAsJSON reads, as encoding/json reads it.
type walkRef struct {
	A int             `json:"a"`
	B string          `json:"b"`
	C json.RawMessage `json:"c"`
}

// walkAsJSON: what a walk of a valid document reads (as the device's and
// the provider's fast paths walk), encoding/json reads the same.
func walkAsJSON(t *testing.T, b []byte) {
	t.Helper()
	if !json.Valid(b) {
		return
	}
	var got walkRef
	var seen [3]bool
	s := New(b)
	ok := s.Object(func(key string) bool {
		var ok bool
		switch key {
		case "a":
			got.A, ok = s.Integer()
		case "b":
			got.B, ok = s.PlainString()
		case "c":
			ok = !s.At('n')
			got.C = append(json.RawMessage(nil), s.Value()...)
		default:
			return s.Other(key, "a", "b", "c")
		}
		i := key[0] - 'a'
		ok = ok && !seen[i]
		seen[i] = true
		return ok
	}) && s.Done()
	if !ok {
		return
	}
	var want walkRef
	if err := json.Unmarshal(b, &want); err != nil || got.A != want.A || got.B != want.B || !bytes.Equal(got.C, want.C) {
		t.Fatalf("walk of %q: %+v; encoding/json %+v %v", b, got, want, err)
	}
}

// TestWalker: the walk reads as encoding/json does, or declines.
func TestWalker(t *testing.T) {
	for _, c := range append(lexCases, `{"a":1,"b":"x","c":[1,{"d":"}"}]}`, `{"a":-5,"b":"","c":"s","d":null}`, `{"A":1}`,
		`{"a":1.5}`, `{"a":99999999999999999999}`, `{"b":"\u0041"}`, `{"b":"é"}`, `{"c":null}`, `{"b":null}`, `{"a":1,"a":2}`,
		`{"\u0061":1}`, `{"aſ":1}`, ` { "a" : 7 , "c" : { } } `, `{"c":"\\\""}`, `[1]`, `{}`) {
		walkAsJSON(t, []byte(c))
	}
}

func FuzzWalker(f *testing.F) {
	f.Add([]byte(`{"a":1,"b":"x","c":[1,{"d":"}"}],"e":{"f":"\"\\"}}`))
	f.Fuzz(walkAsJSON)
}

// TestObjectKeysNotCopied: a walk that only compares names allocates
// nothing for them, and each key reads as the document spells it.
func TestObjectKeysNotCopied(t *testing.T) {
	doc := []byte(`{"token":"ab","envelope":{"v":1},"traceparent":"x","":2,"x-y":null}`)
	var keys []string
	New(doc).Object(func(key string) bool {
		keys = append(keys, string([]byte(key))) // a copy: key itself is not kept
		return false
	})
	if len(keys) != 1 || keys[0] != "token" {
		t.Fatalf("keys %q, want [token]: the member gave up at once", keys)
	}
	keys = keys[:0]
	s := New(doc)
	if !s.Object(func(key string) bool { keys = append(keys, string([]byte(key))); s.Value(); return true }) {
		t.Fatal("walk gave up")
	}
	if got := fmt.Sprint(keys); got != "[token envelope traceparent  x-y]" {
		t.Fatalf("keys %s", got)
	}
	allocs := testing.AllocsPerRun(100, func() {
		s := New(doc)
		n := 0
		s.Object(func(key string) bool {
			switch key {
			case "token", "envelope", "traceparent":
				n++
			}
			s.Value()
			return true
		})
	})
	if allocs > 1 { // the Walker itself may be one
		t.Errorf("%.0f allocations for a walk of 5 members, want at most 1: the names are not copied", allocs)
	}
}
