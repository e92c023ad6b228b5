package main

import (
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/trace"
)

// testExport: export --ladder draws a recorded call for a ticket, --svg as
// SVG that parses, and export without an output is refused naming them.
func testExport(t *testing.T, a string) {
	events, err := trace.Load(a, nil)
	if err != nil || len(events) == 0 {
		t.Fatalf("load %s: %v (%d events)", a, err, len(events))
	}
	id := events[0].TraceID
	svg := filepath.Join(t.TempDir(), "call.svg")
	code, out, errs := runCmd(t, "export", a, "--ladder", "--call", id[:10], "--svg", svg)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) < 7 || !strings.Contains(lines[0], "trace "+id) || !strings.Contains(lines[1], "Sender") ||
		!strings.Contains(lines[1], "CallKit") || !strings.Contains(out, "▶") || !strings.Contains(lines[len(lines)-1], "connected") {
		t.Errorf("ladder:\n%s", out)
	}
	if strings.ContainsRune(out, '\x1b') {
		t.Error("the text ladder has escape codes")
	}
	f, err := os.Open(svg)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := xml.NewDecoder(f)
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s is not valid XML: %v", svg, err)
		}
	}
	// Every call without --call.
	if code, out, _ := runCmd(t, "export", a, "--ladder"); code != 0 || strings.Count(out, "trace ") != 20 {
		t.Errorf("export --ladder: exit %d, %d ladders, want 20", code, strings.Count(out, "trace "))
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"export", a}, "say what to produce: --ladder"},
		{[]string{"export", a, "--ladder", "--call", "nosuchcall"}, "--call nosuchcall: no call"},
		{[]string{"export", a, "--ladder", "--call", ""}, ""},
		{[]string{"export", a, "--ladder", "--width", "10"}, "--width 10"},
		{[]string{"export", a, "--svg", filepath.Join(t.TempDir(), "no", "x.svg")}, "--svg"},
		{[]string{"export", filepath.Join(t.TempDir(), "missing.jsonl"), "--ladder"}, "missing.jsonl"},
	} {
		code, _, errs := runCmd(t, tc.args...)
		if tc.want == "" {
			if code != 0 {
				t.Errorf("%v: exit %d: %s", tc.args[1:], code, errs)
			}
			continue
		}
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args[1:], code, errs, tc.want)
		}
	}
}

// TestExportHook: an output added through exportHooks (as the OTLP one
// is) gets its flag on export, counts as an output, and sees the events.
func TestExportHook(t *testing.T) {
	var got int
	var file string
	exportHooks = append(exportHooks, func(cmd *cobra.Command) func([]flow.Event) error {
		cmd.Flags().StringVar(&file, "fake-out", "", "test output")
		return func(events []flow.Event) error {
			if file != "" {
				got = len(events)
			}
			return nil
		}
	})
	defer func() { exportHooks = exportHooks[:len(exportHooks)-1] }()
	tr := filepath.Join(t.TempDir(), "t.jsonl")
	os.WriteFile(tr, []byte(`{"v":1,"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","stage":"sender","name":"compose","time":"2026-12-02T01:00:00Z"}`+"\n"), 0o600)
	if code, out, errs := runCmd(t, "export", tr, "--fake-out", "x"); code != 0 || got != 1 || out != "" {
		t.Errorf("exit %d, hook saw %d events (want 1), stdout %q, stderr %q", code, got, out, errs)
	}
}
