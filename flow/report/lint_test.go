package report

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/device"
)

// TestLint: every finding of every device becomes a warning with its
// catalogue id, in the table's head and in the JSON.
func TestLint(t *testing.T) {
	if ws := Lint(device.DefaultProfile()); ws == nil || len(ws) != 0 {
		t.Fatalf("the default profile: %v, want an empty list", ws)
	}
	bob := device.DefaultProfile()
	bob.Name = "bob's iPhone"
	for _, kv := range []string{"alerts_enabled=false", "filtering_entitlement=false"} {
		if err := bob.Set(kv); err != nil {
			t.Fatal(err)
		}
	}
	old := device.DefaultProfile()
	old.Name = "old iPhone"
	if err := old.Set("ios=14.0"); err != nil {
		t.Fatal(err)
	}
	ws := Lint(device.DefaultProfile(), bob, old)
	want := []Warning{
		{ID: "F-03", Device: "bob's iPhone", Field: "alerts_enabled"},
		{ID: "F-09", Device: "bob's iPhone", Field: "filtering_entitlement"},
		{ID: "S0.1", Device: "old iPhone", Field: "ios"},
	}
	if len(ws) != len(want) {
		t.Fatalf("warnings %v, want %v", ws, want)
	}
	for i, w := range want {
		if ws[i].ID != w.ID || ws[i].Device != w.Device || ws[i].Field != w.Field || ws[i].Detail == "" {
			t.Errorf("warning %d = %+v, want %+v", i, ws[i], w)
		}
	}

	var buf bytes.Buffer
	tb := NewTable(&buf)
	tb.Warnings(ws)
	tb.Row(connected())
	lines := strings.Split(buf.String(), "\n")
	if !strings.HasPrefix(lines[0], "warning: F-03 alerts_enabled (bob's iPhone): alerts are off") ||
		!strings.HasPrefix(lines[2], "warning: S0.1 ios (old iPhone)") || !strings.HasPrefix(lines[3], "TRACE") {
		t.Fatalf("table head:\n%s", buf.String())
	}

	b, err := json.Marshal(Output{Warnings: ws[:1], Summary: SummaryToJSON(flow.NewSummary(), time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Warnings []map[string]string `json:"warnings"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Warnings) != 1 || got.Warnings[0]["id"] != "F-03" || got.Warnings[0]["field"] != "alerts_enabled" ||
		got.Warnings[0]["detail"] == "" || got.Warnings[0]["device"] != "bob's iPhone" {
		t.Fatalf("json %s", b)
	}
}

var snake = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// assertSnakeKeys fails t for every object key in doc that is not lower-case
// snake_case, naming its path.
func assertSnakeKeys(t *testing.T, doc []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if !snake.MatchString(k) {
					t.Errorf("%s.%s: key not lower-case snake_case", path, k)
				}
				walk(path+"."+k, x)
			}
		case []any:
			for i, x := range v {
				walk(path+"["+strconv.Itoa(i)+"]", x)
			}
		}
	}
	walk("", v)
}

// TestJSONKeys: every key of a send --json document is lower-case.
func TestJSONKeys(t *testing.T) {
	s := flow.NewSummary()
	s.Add(connected())
	s.Add(failedAtAPNs())
	out := Output{Warnings: []Warning{{ID: "F-03", Device: "iPhone", Field: "alerts_enabled", Detail: "x"}},
		Calls: []CallJSON{ToJSON(connected()), ToJSON(failedAtAPNs())}, Summary: SummaryToJSON(s, time.Second)}
	out.Summary.Notes = []string{"a note"}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	assertSnakeKeys(t, b)
}
