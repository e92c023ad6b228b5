package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/preflight"
	"github.com/callscope/callscope/preflight/fixture"
)

// TestPreflightCommand runs callscope preflight on fixture apps: a good one
// exits 0, one missing the filtering entitlement exits 1 naming the file,
// the key and the failure, and what preflight cannot read exits 2 with one
// line naming it.
func TestPreflightCommand(t *testing.T) {
	dir := t.TempDir()
	good, err := fixture.Good(time.Now()).WriteIPA(dir)
	if err != nil {
		t.Fatal(err)
	}
	noFilter := fixture.Good(time.Now())
	noFilter.Name = "NoFilter"
	delete(noFilter.Ext.Profile.Entitlements(), "com.apple.developer.usernotifications.filtering")
	broken, err := noFilter.WriteApp(dir)
	if err != nil {
		t.Fatal(err)
	}
	badPlist := filepath.Join(dir, "Bad.app")
	if err := os.MkdirAll(filepath.Join(badPlist, "PlugIns", "NSE.appex"), 0o755); err != nil {
		t.Fatal(err)
	}
	files, _ := fixture.Good(time.Now()).Files()
	_ = os.WriteFile(filepath.Join(badPlist, "Info.plist"), files["Info.plist"], 0o644)
	_ = os.WriteFile(filepath.Join(badPlist, "PlugIns", "NSE.appex", "Info.plist"), []byte("bplist00\x01"), 0o644)

	tests := []struct {
		name string
		args []string
		code int
		want []string // in stdout for 0 and 1, in the error line for 2
	}{
		{"good", []string{"preflight", good}, 0, []string{"✓ nse-filtering", "bundle id com.example.app", "0 failed"}},
		{"no filtering entitlement", []string{"preflight", broken}, 1, []string{
			"✗ nse-filtering",
			"PlugIns/NSE.appex/embedded.mobileprovision Entitlements.com.apple.developer.usernotifications.filtering",
			"missingNotificationFilteringEntitlement (code 2)",
			"every call also shows as a notification (F-09, F-10 in docs/failures.md)",
			"1 failed",
		}},
		{"production pushes to a development app", []string{"preflight", "--environment", "production", good}, 1,
			[]string{"✗ aps-environment", "400 BadDeviceToken", "F-06"}},
		{"missing path", []string{"preflight", filepath.Join(dir, "Gone.ipa")}, 2, []string{"Gone.ipa", "no such file"}},
		{"no path", []string{"preflight"}, 2, []string{"arg"}},
		{"not an app", []string{"preflight", dir}, 2, []string{"not an .app folder"}},
		{"unreadable plist", []string{"preflight", badPlist}, 2, []string{"Bad.app", "PlugIns/NSE.appex/Info.plist"}},
		{"bad environment", []string{"preflight", "--environment", "staging", good}, 2, []string{"--environment"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, msg := cli(t, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d (error %q)\n%s", code, tt.code, msg, out)
			}
			got := out
			if code == 2 {
				got = msg
				if strings.Contains(msg, "\n") || out != "" {
					t.Errorf("usage error %q (stdout %q): want one line and nothing half-written", msg, out)
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestPreflightJSON(t *testing.T) {
	a := fixture.Good(time.Now())
	delete(a.Ext.Profile.Entitlements(), "com.apple.developer.usernotifications.filtering")
	p, err := a.WriteArchive(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	code, out, _ := cli(t, "preflight", "--json", p)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	var r preflight.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if r.Passed || r.Path != p || r.Kind != preflight.KindArchive || r.App != "Products/Applications/Example.app" {
		t.Fatalf("report %+v", r)
	}
	for _, f := range r.Findings {
		if f.Check == preflight.CheckNSEFiltering {
			if f.Status != preflight.Fail || f.Key != "Entitlements.com.apple.developer.usernotifications.filtering" || len(f.Catalogue) == 0 || f.Source == "" {
				t.Fatalf("finding %+v", f)
			}
			return
		}
	}
	t.Fatal("no nse-filtering finding")
}

// TestPreflightDocSample keeps docs/preflight.md's sample failure as the
// command prints it.
func TestPreflightDocSample(t *testing.T) {
	a := fixture.Good(time.Now())
	delete(a.Ext.Profile.Entitlements(), "com.apple.developer.usernotifications.filtering")
	p, err := a.WriteIPA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	_, out, _ := cli(t, "preflight", p)
	doc, err := os.ReadFile(filepath.Join("docs", "preflight.md"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(doc), "\n")
	for i, line := range lines {
		if !strings.HasPrefix(line, "✗ nse-filtering") {
			continue
		}
		for _, want := range lines[i : i+2] {
			if !strings.Contains(out, want+"\n") {
				t.Errorf("docs/preflight.md shows\n%s\nbut preflight prints\n%s", want, out)
			}
		}
		return
	}
	t.Fatal("docs/preflight.md has no nse-filtering sample")
}
