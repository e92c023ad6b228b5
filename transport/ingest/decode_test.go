package ingest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/callscope/callscope/flow"
)

const tid = "4bf92f3577b34da6a3ce929d0e0e4736"

func TestDecodeLines(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	good := `{"trace_id":"` + tid + `","stage":"apns","name":"received","time":"2026-03-01T11:59:59Z"}`
	for _, tc := range []struct {
		name     string
		body     string
		accepted int
		errLine  int    // line of the first error, 0 for none
		errHas   string // the first error names this
	}{
		{"one", good, 1, 0, ""},
		{"crlf and blank lines", good + "\r\n\r\n" + good + "\r\n", 2, 0, ""},
		{"empty", "", 0, 0, ""},
		{"bad json counts blank lines", good + "\n\n{nope\n" + good, 2, 3, "not JSON"},
		{"unknown stage", `{"trace_id":"` + tid + `","stage":"nse","name":"x"}`, 0, 1, "stage: unknown stage"},
		{"missing stage", `{"trace_id":"` + tid + `","name":"x"}`, 0, 1, "stage: missing"},
		{"missing name", `{"trace_id":"` + tid + `","stage":"apns"}`, 0, 1, "name: missing"},
		{"missing trace", `{"stage":"apns","name":"x"}`, 0, 1, "trace_id: missing"},
		{"uppercase trace", `{"trace_id":"` + strings.ToUpper(tid) + `","stage":"apns","name":"x"}`, 0, 1, "trace_id:"},
		{"zero trace", `{"trace_id":"` + strings.Repeat("0", 32) + `","stage":"apns","name":"x"}`, 0, 1, "trace_id:"},
		{"short trace", `{"trace_id":"abc","stage":"apns","name":"x"}`, 0, 1, "trace_id:"},
		{"wrong type", `{"trace_id":"` + tid + `","stage":"apns","name":"x","duration_ns":"fast"}`, 0, 1, "duration_ns: want a JSON number"},
		{"attr type", `{"trace_id":"` + tid + `","stage":"apns","name":"x","attrs":{"a":1}}`, 0, 1, "attrs: want a JSON string"},
		{"bad time", `{"trace_id":"` + tid + `","stage":"apns","name":"x","time":"yesterday"}`, 0, 1, "time: want an RFC 3339"},
		{"negative duration", `{"trace_id":"` + tid + `","stage":"apns","name":"x","duration_ns":-1}`, 0, 1, "duration_ns: negative"},
		{"bad outcome", `{"trace_id":"` + tid + `","stage":"apns","name":"x","outcome":"won"}`, 0, 1, "outcome:"},
		{"bad diagnosis stage", `{"trace_id":"` + tid + `","stage":"apns","name":"x","diagnosis":{"stage":"moon"}}`, 0, 1, "diagnosis.stage:"},
		{"not an object", `[1,2]`, 0, 1, "want a JSON object"},
		{"two objects on a line", good + " " + good, 0, 1, "not JSON"},
		{"unknown fields are fine", `{"v":1,"trace_id":"` + tid + `","stage":"callkit","name":"ringing","future":true}`, 1, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			evs, errs := Decode([]byte(tc.body), now)
			if len(evs) != tc.accepted {
				t.Fatalf("accepted %d, want %d (errors %v)", len(evs), tc.accepted, errs)
			}
			if tc.errLine == 0 {
				if len(errs) != 0 {
					t.Fatalf("errors %v, want none", errs)
				}
				return
			}
			if len(errs) == 0 || errs[0].Line != tc.errLine || !strings.Contains(errs[0].Error, tc.errHas) {
				t.Fatalf("errors %v, want line %d with %q", errs, tc.errLine, tc.errHas)
			}
		})
	}
}

func TestDecodeFillsAndCleans(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	jwt := "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJURUFNMTIzNDU2In0.MEUCIQDabcdefghijklmnopqrstuvwxyz0123456789"
	body := `{"seq":99,"trace_id":"` + tid + `","stage":"extension","name":"deco\u001b]0;pwned\u0007ded","clock":"device:Bob\u001b[2J",` +
		`"attrs":{"authorization":"bearer ` + jwt + `","note":"token ` + jwt + `","private_key":"x"},` +
		`"diagnosis":{"stage":"extension","code":"E","detail":"` + jwt + `","hint":"` + jwt + `"}}`
	evs, errs := Decode([]byte(body), now)
	if len(errs) != 0 || len(evs) != 1 {
		t.Fatalf("events %v errors %v", evs, errs)
	}
	e := evs[0]
	if !e.Time.Equal(now) || e.Seq != 0 {
		t.Errorf("time %v seq %d: want arrival time and no seq", e.Time, e.Seq)
	}
	if strings.ContainsAny(e.Name, "\x1b\x07") {
		t.Errorf("name %q keeps control characters", e.Name)
	}
	if e.Clock != "device:Bob\uFFFD[2J" {
		t.Errorf("clock %q: want it kept, its control characters replaced", e.Clock)
	}
	if e.Attrs["authorization"] != flow.Redacted || e.Attrs["private_key"] != flow.Redacted {
		t.Errorf("secret attrs not redacted: %v", e.Attrs)
	}
	for _, s := range []string{e.Attrs["note"], e.Diagnosis.Detail, e.Diagnosis.Hint} {
		if strings.Contains(s, jwt) {
			t.Errorf("a JWT got through: %q", s)
		}
	}
}

func TestDecodeErrorsAreBoundedAndRedacted(t *testing.T) {
	jwt := "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJURUFNMTIzNDU2In0.MEUCIQDabcdefghijklmnopqrstuvwxyz0123456789"
	body := `{"trace_id":"` + tid + `","stage":"` + jwt + strings.Repeat("x", 10000) + `","name":"x"}`
	_, errs := Decode([]byte(body), time.Now())
	if len(errs) != 1 {
		t.Fatalf("errors %v", errs)
	}
	if len(errs[0].Error) > maxErrorLen+len("…") || strings.Contains(errs[0].Error, jwt) {
		t.Fatalf("error %q: too long or carries the JWT", errs[0].Error)
	}
}

// TestDecodeRedactsSpacedJWTs: Apple's openssl recipe writes the header as
// { "alg": … }, which encodes as eyA…, not eyJ…: flow.Redact must catch it.
func TestDecodeRedactsSpacedJWTs(t *testing.T) {
	enc := base64.RawURLEncoding.EncodeToString
	sig := enc([]byte(strings.Repeat("s", 64)))
	claims := enc([]byte(`{ "iss": "TEAM123456", "iat": 1767225600 }`))
	for _, head := range []string{`{ "alg": "ES256", "kid": "ABC1234567" }`, "{\n\"alg\":\"ES256\"}", `{"alg":"ES256"}`} {
		jwt := enc([]byte(head)) + "." + claims + "." + sig
		body := `{"trace_id":"` + tid + `","stage":"server","name":"sent ` + jwt + `","attrs":{"header":"bearer ` + jwt + `"}}`
		evs, errs := Decode([]byte(body), time.Now())
		if len(evs) != 1 {
			t.Fatalf("%s: errors %v", head, errs)
		}
		if strings.Contains(evs[0].Name, jwt) || strings.Contains(evs[0].Attrs["header"], jwt) {
			t.Errorf("%s: JWT through: %+v", head, evs[0])
		}
	}
	// Not every dotted base64 is a JWT: a version string or an apns-id stays.
	for _, s := range []string{"eyes.example.com/abcdefghijklmnopqrstuvwxyz", "1.2.3", enc([]byte(`{"kid":"x"}`)) + ".abcdefgh.abcdefghijklmnopqrstu"} {
		if got := flow.RedactValue(s); got != s {
			t.Errorf("RedactValue(%q) = %q", s, got)
		}
	}
}

// TestDecodeNeutralisesInvisibleControls: bidi and zero-width controls are
// replaced like ESC, at each end of each range, in every string an event
// carries; the letters around them and ordinary non-ASCII text stay.
func TestDecodeNeutralisesInvisibleControls(t *testing.T) {
	for _, tc := range []struct {
		r    rune
		want bool // replaced
	}{
		{0x1B, true}, {0x7F, true}, {0x85, true}, // C0, DEL, C1: as before
		{0x202A, true}, {0x202E, true}, // LRE … RLO: embeddings and overrides
		{0x2066, true}, {0x2069, true}, // LRI … PDI: isolates
		{0x200B, true}, {0x200F, true}, // ZWSP … RLM: zero-width and marks
		{0x200D, true}, {0x061C, true}, {0x2060, true}, {0xFEFF, true}, {0x2028, true}, {0x2029, true},
		{0x200A, false}, {0x2010, false}, {0x2065, false}, {0x206A, false}, {0x2027, false}, {0x202F, false}, // the neighbours
		{'é', false}, {'中', false}, {'📞', false},
	} {
		t.Run(fmt.Sprintf("U+%04X", tc.r), func(t *testing.T) {
			in := "a" + string(tc.r) + "b"
			qb, _ := json.Marshal(in)
			q := string(qb)
			body := `{"trace_id":"` + tid + `","stage":"apns","name":` + q + `,"call_id":` + q + `,"apns_id":` + q +
				`,"attrs":{` + q + `:` + q + `},"diagnosis":{"code":` + q + `,"apple":` + q + `,"detail":` + q + `,"hint":` + q + `}}`
			evs, errs := Decode([]byte(body), time.Now())
			if len(evs) != 1 {
				t.Fatalf("errors %v", errs)
			}
			e := evs[0]
			want := in
			if tc.want {
				want = "a" + string(unicode.ReplacementChar) + "b"
			}
			got := []string{e.Name, e.CallID, e.ApnsID, e.Attrs[want], string(e.Diagnosis.Code), e.Diagnosis.Apple, e.Diagnosis.Detail, e.Diagnosis.Hint}
			for i, g := range got {
				if g != want {
					t.Errorf("string %d = %q, want %q", i, g, want)
				}
			}
		})
	}
}
