package scenario

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/callscope/callscope/flow"
)

// declared is a run that produced exactly what s declares.
func declared(s Scenario) Result {
	r := Result{Scenario: s, Call: flow.Call{Outcome: s.Expect.Outcome}}
	if !s.Happy() {
		r.Observed = &flow.Diagnosis{Stage: s.Expect.Stage, Code: s.Expect.Code, Apple: s.Expect.Apple}
	}
	return r
}

// TestTableNamesTheKnob: `send --scenario all` names the knob each scenario
// turns, so the F-18 and F-20 rows say which mock fault held or reordered
// the push, the F-32 row that the device's connection was cut; its --json
// says the same; and with every scenario as declared no line is wider
// than 120 columns.
func TestTableNamesTheKnob(t *testing.T) {
	lib, _ := NewLibrary()
	var buf bytes.Buffer
	tb := NewTable(&buf)
	for _, s := range lib.All() {
		tb.Row(declared(s))
	}
	if !tb.Close(&buf) {
		t.Fatal("a declared result did not pass")
	}
	rows := map[string]string{}
	for _, line := range strings.Split(strings.TrimRight(buf.String(), "\n"), "\n") {
		if n := utf8.RuneCountInString(line); n > 120 {
			t.Errorf("%d columns: %s", n, line)
		}
		if f := strings.Fields(line); len(f) > 0 {
			rows[f[0]] = line
		}
	}
	if !strings.Contains(rows["SCENARIO"], "KNOB") {
		t.Fatalf("no KNOB column: %q", rows["SCENARIO"])
	}
	want := map[string]string{
		"late-delivery":                 "mock-apns --delay alert=20s",
		"late-delivery-past-ttl":        "mock-apns --delay 90s",
		"late-delivery-expiration-zero": "mock-apns --hold-while-offline=all",
		"hangup-before-invite":          "mock-apns --reorder 2",
		"apns-link-cut":                 "profile.apns_link_cut",
	}
	for name, knob := range want {
		if !strings.Contains(rows[name], knob) {
			t.Errorf("row %q does not name %q", rows[name], knob)
		}
		s, _ := lib.Get(name)
		var j struct {
			Knob  string   `json:"knob"`
			Knobs []string `json:"knobs"`
		}
		b, _ := json.Marshal(toJSON(declared(s)))
		if err := json.Unmarshal(b, &j); err != nil {
			t.Fatal(err)
		}
		if j.Knob != knob || len(j.Knobs) == 0 || j.Knobs[0] != knob {
			t.Errorf("%s --json: knob %q, knobs %v, want %q first", name, j.Knob, j.Knobs, knob)
		}
	}
}
