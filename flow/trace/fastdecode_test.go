package trace

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// fastDecodeCases are lines at the edges of what the fast path takes.
var fastDecodeCases = []string{
	`{"v":2,"seq":5,"trace_id":"a","stage":"apns","name":"received","time":"2026-12-02T01:00:00.5Z","duration_ns":-3,"simulated":true,"attrs":{"k":"v\u00e9","k":"w"},"push":{"method":"POST","status":200,"headers":{"a":"b"},"payload":{"x":[1,"}"]}}}`,
	`{"v":2,"trace_id":"a\"b","stage":"apns","name":"n","time":"2026-12-02T01:00:00Z","instant":false,"outcome":"shown","push":{"payload":"str"}}`,
	`{}`, ` { } `, `{"seq":-0,"stage":"a","name":"b"}`, `{"seq":-1}`, `{"v":-0}`, `{"seq":18446744073709551615}`, `{"seq":9223372036854775807}`,
	`{"v":1.0}`, `{"v":1e2}`, `{"duration_ns":99999999999999999999}`, `{"name":"\ud800"}`, "{\"name\":\"\xff\"}", `{"name":"\x"}`,
	`{"\u0076":2}`, `{"V":2}`, `{"v":2,"v":3}`, `{"attrs":{"\u00e9":"x","a\"b":"y"}}`, `{"attrs":null}`, `{"attrs":{"a":1}}`,
	`{"push":{"payload":null}}`, `{"push":{"payload":1}}`, `{"push":{"payload":{"a":}}}`, `{"push":{"payload":[1,2]},"x":1}`,
	`{"push":{"Status":200}}`, `{"push":{"status":200,"status":201}}`, `{"time":"2026-12-02T01:00:00\u005a"}`, `{"time":5}`,
	`{"simulated":tru}`, `{"simulated":true,}`, `{"name":"a"}x`, `{"name":"a"`,
	`{"push":{"payload":` + strings.Repeat("[", 9998) + strings.Repeat("]", 9998) + `}}`,
	`{"push":{"payload":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}}`, // 10001 deep: too deep for encoding/json
	`{"push":{"payload":` + strings.Repeat("[", 9997) + strings.Repeat("]", 9997) + `}}`,
}

// TestFastDecodeAsEncodingJSON: what the fast path decodes, encoding/json
// decodes to the same Line (FuzzFastDecode's property, on known cases).
func TestFastDecodeAsEncodingJSON(t *testing.T) {
	for _, c := range fastDecodeCases {
		fastAsJSON(t, []byte(c))
	}
}

func fastAsJSON(t *testing.T, in []byte) {
	t.Helper()
	var fast Line
	if !fastDecode(in, &fast) {
		return
	}
	var slow Line
	if err := json.Unmarshal(in, &slow); err != nil {
		t.Fatalf("fast path took a line encoding/json refuses (%v): %.100q", err, in)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("fast %+v\nslow %+v\nfor %.100q", fast, slow, in)
	}
}
