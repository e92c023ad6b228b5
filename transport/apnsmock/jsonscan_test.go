package apnsmock

import (
	"encoding/json"
	"strings"
	"testing"
)

// jsonCases are documents at the edges of JSON's grammar and of how
// encoding/json matches the aps member.
var jsonCases = []string{
	``, ` `, `{}`, `[]`, `""`, `"a`, `0`, `-0`, `01`, `-`, `1.`, `1.5`, `1e`, `1e+`, `1E-2`, `.5`, `+1`, `1x`,
	`true`, `tru`, `null`, `nul`, `false `, ` {"a":1} `, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `{"a":1}x`, `[1,]`, `[1 2]`,
	`[1,[2,[3]]]`, `{"a":"\u00e9\n\t\"\\\/\b\f\r"}`, `{"a":"\u00g0"}`, `{"a":"\x"}`, "{\"a\":\"\x01\"}", "\"\xff\xfe\"",
	`{"a":"\u12"}`, `"\`, strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	`{"aps":{"alert":{"title":"t"},"mutable-content":1},"e":"` + strings.Repeat("A", 600) + `"}`,
	`{"aps":{"alert":"x","mutable-content":1}}`, `{"aps":{"mutable-content":"1","alert":{"body":"b"}}}`,
	`{"aps":{"mutable-content":1.0}}`, `{"aps":{"mutable-content":-1}}`, `{"aps":{"mutable-content":99999999999999999999}}`,
	`{"aps":{"mutable-content":null,"alert":null}}`, `{"aps":{"alert":{"title":null,"body":""}}}`, `{"aps":{"alert":{"title":5,"body":"b"}}}`,
	`{"aps":{"alert":{"Title":"t"}}}`, `{"aps":{"alert":{"title":"","subtitle":"\u0000"}}}`, `{"aps":{"alert":{"body":"b","body":""}}}`,
	`{"aps":{"alert":[],"mutable-content":1}}`, `{"aps":{"alert":{"title":"t"},"Mutable-Content":1}}`, `{"aps":{"alert":{"title":"t","x":[1,{"y":2}]}}}`, `{"aps":{"mutable-content":1e0}}`, `{"aps":null}`, `{"aps":[1]}`, `{"aps":"x"}`,
	`{"aps":{"mutable-content":1},"aps":{"alert":{"body":"b"}}}`, `{"APS":{"mutable-content":1}}`,
	`{"aps":{"mutable-content":1},"Aps":{"alert":{"title":"t"}}}`, `{"\u0061ps":{"mutable-content":1}}`,
	`{"ap\u017f":{"mutable-content":1}}`, "{\"ap\u017f\":{\"mutable-content\":1}}", `[{"aps":{"mutable-content":1}}]`,
	`{"x":{"aps":{"mutable-content":1}}}`, `{"aps":{"mutable-content":1}`, `{"aps":{"alert":{"title":"t"},"mutable-content":1}} x`,
}

// TestValidJSON: the scanner says valid exactly where json.Valid does.
func TestValidJSON(t *testing.T) {
	for _, c := range jsonCases {
		if got, want := validJSON([]byte(c)), json.Valid([]byte(c)); got != want {
			t.Errorf("validJSON(%.60q) = %v, json.Valid %v", c, got, want)
		}
	}
}

// TestReadAPS: the stand-in reads aps as decoding the whole payload does.
func TestReadAPS(t *testing.T) {
	for _, c := range jsonCases {
		mc, text := readAPS([]byte(c))
		if wmc, wtext := apsByJSON([]byte(c)); mc != wmc || text != wtext {
			t.Errorf("readAPS(%.60q) = %d %v, json.Unmarshal %d %v", c, mc, text, wmc, wtext)
		}
	}
}

func FuzzJSONScan(f *testing.F) {
	for _, c := range jsonCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validJSON(b), json.Valid(b); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid %v", b, got, want)
		}
		mc, text := readAPS(b)
		if wmc, wtext := apsByJSON(b); mc != wmc || text != wtext {
			t.Fatalf("readAPS(%q) = %d %v, json.Unmarshal %d %v", b, mc, text, wmc, wtext)
		}
	})
}

func BenchmarkPayloadScan(b *testing.B) {
	p := []byte(`{"aps":{"alert":{"title":"New message","body":"…"},"mutable-content":1},"e":"` + strings.Repeat("A", 600) + `"}`)
	b.Run("validJSON", func(b *testing.B) {
		for b.Loop() {
			validJSON(p)
		}
	})
	b.Run("json.Valid", func(b *testing.B) {
		for b.Loop() {
			json.Valid(p)
		}
	})
	b.Run("readAPS", func(b *testing.B) {
		for b.Loop() {
			readAPS(p)
		}
	})
}
