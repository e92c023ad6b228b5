package main

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestScreenshot: the picture is made from a real run of a failing
// scenario: its diagnosis, Apple's name and hint are on it, in colour;
// a scenario that does not exist, or a size under 80×24, writes nothing.
func TestScreenshot(t *testing.T) {
	out := filepath.Join(t.TempDir(), "s.svg")
	if err := run("no-filtering-entitlement", out, 100, 30, ""); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	svg := string(b)
	if err := xml.Unmarshal(b, new(struct{})); err != nil {
		t.Fatalf("not XML: %v", err)
	}
	for _, want := range []string{"REPORT_FAILED", "missingNotificationFilteri", "hint: request the filtering entitlement",
		"Sender", "CallKit", `font-weight="bold"`, `fill="#`} {
		if !strings.Contains(svg, want) {
			t.Errorf("the picture lacks %q", want)
		}
	}
	for _, bad := range []struct {
		name       string
		cols, rows int
	}{{"no-such-scenario", 100, 30}, {"no-filtering-entitlement", 60, 20}} {
		o := filepath.Join(t.TempDir(), "bad.svg")
		if err := run(bad.name, o, bad.cols, bad.rows, ""); err == nil {
			t.Errorf("%s %d×%d: no error", bad.name, bad.cols, bad.rows)
		}
		if _, err := os.Stat(o); !os.IsNotExist(err) {
			t.Errorf("%s: a file was written", bad.name)
		}
	}
}
