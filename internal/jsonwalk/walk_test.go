package jsonwalk

import (
	"bytes"
	"encoding/json"
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
