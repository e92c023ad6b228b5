package main

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// run executes the command tree as the shell would, stdin and stdout not a
// terminal, and returns its exit status, stdout and the error's line.
func run(t *testing.T, args ...string) (code int, stdout, errLine string) {
	t.Helper()
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	t.Setenv("CALLSCOPE_INGEST_TOKEN", "")
	root := rootCommand()
	var out, errOut bytes.Buffer
	root.SetIn(strings.NewReader(""))
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	if err != nil {
		errLine = err.Error()
	}
	return exitStatus(err), out.String(), errLine
}

// TestNoTerminal: the screen without a terminal says to use send, exit 2,
// and starts nothing.
func TestNoTerminal(t *testing.T) {
	for _, args := range [][]string{nil, {"--ingest", "127.0.0.1:0"}, {"--time-scale", "10"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, out, msg := run(t, args...)
			if code != 2 || !strings.Contains(msg, "no terminal") || !strings.Contains(msg, "callscope send") || strings.Contains(msg, "\n") {
				t.Fatalf("exit %d, error %q: want 2 and one line pointing to callscope send", code, msg)
			}
			if out != "" {
				t.Fatalf("wrote %q", out)
			}
		})
	}
}

var snakeKey = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// badKeys lists the paths of the object keys in doc that are not
// lower-case snake_case.
func badKeys(t *testing.T, doc string) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, doc)
	}
	var bad []string
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if !snakeKey.MatchString(k) {
					bad = append(bad, path+"."+k)
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
	return bad
}

// TestSendJSONKeys: every key send --json prints is lower-case snake_case,
// nested objects and map keys included, and the profile's lint is there.
func TestSendJSONKeys(t *testing.T) {
	tests := [][]string{
		{"send", "--json", "--count", "2"},
		{"send", "--json", "--kind", "message"},
		{"send", "--json", "--device-set", "alerts_enabled=false"},
		{"send", "--json", "--scenario", "do-not-disturb"},
		{"send", "--json", "--scenario", "unregistered-token"},
		{"send", "--json", "--scenario", "two-devices"},
		{"send", "--json", "--scenario", "all"},
	}
	for _, args := range tests {
		t.Run(strings.Join(args[1:], " "), func(t *testing.T) {
			_, out, msg := run(t, args...)
			if out == "" {
				t.Fatalf("no output (%s)", msg)
			}
			if bad := badKeys(t, out); len(bad) > 0 {
				t.Fatalf("%d keys not lower-case snake_case, e.g. %v", len(bad), bad[:min(len(bad), 8)])
			}
		})
	}
}

// TestSendLint: the profile's lint heads send's table and is in its JSON,
// with the catalogue id.
func TestSendLint(t *testing.T) {
	_, out, _ := run(t, "send", "--device-set", "alerts_enabled=false")
	if !strings.HasPrefix(out, "warning: F-03 alerts_enabled (iPhone): ") {
		t.Fatalf("table head:\n%s", out)
	}
	_, out, _ = run(t, "send", "--json", "--device-set", "alerts_enabled=false")
	var doc struct {
		Warnings []struct{ ID, Field, Detail string } `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Warnings) != 1 || doc.Warnings[0].ID != "F-03" || doc.Warnings[0].Field != "alerts_enabled" || doc.Warnings[0].Detail == "" {
		t.Fatalf("warnings %+v\n%s", doc.Warnings, out)
	}
	_, out, _ = run(t, "send", "--json")
	if !strings.Contains(out, `"warnings": []`) {
		t.Fatalf("a clean profile must still have the key:\n%s", out)
	}
}
