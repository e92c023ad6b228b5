package ingest

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/callscope/callscope/flow"
)

// FuzzDecode: any body decodes without panicking; every non-blank line is
// either accepted or reported, once, in order; what is accepted is valid,
// clean, redacted, and decodes again to itself.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		line("received") + "\n" + line("accepted"),
		`{"trace_id":"` + tid + `","stage":"callkit","name":"ringing","time":"2026-01-02T15:04:05Z","duration_ns":5,"attrs":{"a":"b"},"outcome":"connected"}`,
		`{"trace_id":"` + tid + `","stage":"extension","name":"x","diagnosis":{"stage":"extension","code":"E","detail":"eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJUIn0.MEUCIQDabcdefghijklmnopqrstu"}}`,
		`{"trace_id":"` + tid + `","stage":"apns","name":"\u001b[2J","attrs":{"private_key":"-----BEGIN PRIVATE KEY-----\nabc"}}`,
		"\r\n\n{\n[]\nnull\n\"x\"\n",
		`{"trace_id":"` + tid + `","stage":"apns","name":"x","time":"bad"}`,
	} {
		f.Add([]byte(s))
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, errs := Decode(body, now)
		lines := 0
		for _, l := range bytes.Split(body, []byte("\n")) {
			if len(bytes.TrimSpace(l)) > 0 {
				lines++
			}
		}
		if len(evs)+len(errs) != lines {
			t.Fatalf("%d accepted + %d rejected, %d non-blank lines", len(evs), len(errs), lines)
		}
		last := 0
		for _, le := range errs {
			if le.Line <= last || le.Error == "" || len(le.Error) > maxErrorLen+len("…") {
				t.Fatalf("error %+v after line %d", le, last)
			}
			last = le.Line
		}
		var re bytes.Buffer
		for _, e := range evs {
			if err := validate(&e); err != nil || e.Time.IsZero() || e.Seq != 0 {
				t.Fatalf("accepted %+v: %v", e, err)
			}
			for _, s := range strs(e) {
				if strings.IndexFunc(s, unicode.IsControl) >= 0 || flow.RedactValue(s) != s {
					t.Fatalf("accepted %q: control character or secret", s)
				}
			}
			if r := flow.Redact(e); !equalAttrs(r.Attrs, e.Attrs) {
				t.Fatalf("accepted attrs %v not redacted", e.Attrs)
			}
			b, err := json.Marshal(e)
			if err != nil {
				t.Fatalf("re-encode %+v: %v", e, err)
			}
			re.Write(b)
			re.WriteByte('\n')
		}
		again, errs2 := Decode(re.Bytes(), now)
		if len(errs2) != 0 || len(again) != len(evs) {
			t.Fatalf("re-decode: %d events, errors %v; want %d", len(again), errs2, len(evs))
		}
	})
}

func strs(e flow.Event) []string {
	s := []string{e.Name, e.CallID, e.ApnsID, e.TraceID}
	for k, v := range e.Attrs {
		s = append(s, k, v)
	}
	if d := e.Diagnosis; d != nil {
		s = append(s, string(d.Code), d.Apple, d.Detail, d.Hint)
	}
	return s
}

func equalAttrs(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
