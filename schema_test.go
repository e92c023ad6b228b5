package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// traceSchema compiles docs/trace.schema.json, with formats asserted.
func traceSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join("docs", "trace.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("trace.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("trace.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestTraceSchema: every line send --record writes (header, events, the
// push) validates against the published schema, and lines that break the
// format's rules (a JWT with its signature, an event with no stage) do not.
func TestTraceSchema(t *testing.T) {
	s := traceSchema(t)
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	path := filepath.Join(t.TempDir(), "t.jsonl")
	root := rootCommand()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs([]string{"send", "--count", "3", "--record", path})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("send: %v\n%s", err, out.String())
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		n++
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(sc.Bytes()))
		if err != nil {
			t.Fatalf("line %d: %v", n, err)
		}
		if err := s.Validate(v); err != nil {
			t.Fatalf("line %d does not validate: %v\n%s", n, err, sc.Bytes())
		}
	}
	if n < 10 {
		t.Fatalf("%d lines", n)
	}
	bad := []struct{ name, line string }{
		{"signed JWT", `{"v":2,"trace_id":"a","stage":"apns","name":"received","time":"2026-12-02T01:00:00Z","push":{"headers":{"authorization":"bearer eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJUIn0.MEUCIQDabcdefghijklmnop"}}}`},
		{"no stage", `{"v":2,"trace_id":"a","name":"received","time":"2026-12-02T01:00:00Z"}`},
		{"bad time", `{"v":2,"trace_id":"a","stage":"apns","name":"x","time":"yesterday"}`},
		{"header without start", `{"v":2,"header":{"format":2,"callscope":"dev"}}`},
		{"zero drops", `{"v":2,"dropped":0}`},
	}
	for _, b := range bad {
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(b.line))
		if err != nil {
			t.Fatal(err)
		}
		if s.Validate(v) == nil {
			t.Errorf("%s: validates, want it refused: %s", b.name, b.line)
		}
	}
}
