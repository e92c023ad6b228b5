package device

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDefaultProfileIsACorrectApp(t *testing.T) {
	p := DefaultProfile()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if l := p.Lint(); len(l) != 0 {
		t.Fatalf("the default profile has S0 findings: %v", l)
	}
	// docs/device-rules.md#parameters defaults.
	if p.NSEBudget != 30*time.Second || p.NSEMemoryCapMB != 24 || p.ReportDeadline != 7*time.Second ||
		p.RingTimeout != 60*time.Second || p.MaximumCallGroups != 2 || p.MissingEntitlement != "error" || !p.AtLeast(14, 5) {
		t.Fatalf("defaults drifted from docs/device-rules.md#parameters: %+v", p)
	}
}

func TestLoadProfile(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, body string
		err        string // "" = loads
		check      func(Profile) bool
	}{
		{name: "empty keeps the defaults", body: "", check: func(p Profile) bool { return p.NSEBudget == 30*time.Second }},
		{name: "old iPhone", body: "model = \"iPhone 8\"\nios = \"16.7\"\nnse_memory_cap_mb = 12\nblocked = [\"x@y\"]\n",
			check: func(p Profile) bool {
				return p.NSEMemoryCapMB == 12 && p.IOS == "16.7" && slices.Equal(p.Blocked, []string{"x@y"})
			}},
		{name: "durations", body: "nse_budget = \"10s\"\nring_timeout = \"0s\"\n",
			check: func(p Profile) bool { return p.NSEBudget == 10*time.Second && p.RingTimeout == 0 }},
		{name: "unknown key", body: "name = \"x\"\nnse_budgett = \"10s\"\n", err: ":2: unknown field nse_budgett"},
		{name: "wrong type", body: "\nalerts_enabled = \"yes\"\n", err: ":2: field alerts_enabled"},
		{name: "bad duration", body: "nse_budget = \"soon\"\n", err: ":1: field nse_budget"},
		{name: "syntax", body: "ios = \n", err: ":1"},
		{name: "bad ios", body: "# comment\nios = \"eighteen\"\n", err: ":2: field ios: \"eighteen\" is not an iOS version"},
		{name: "bad environment", body: "\n\nenvironment = \"staging\"\n", err: ":3: field environment: \"staging\""},
		{name: "bad answer", body: "answer = \"maybe\"\n", err: ":1: field answer"},
		{name: "auto is answer", body: "answer = \"auto\"\n", check: func(p Profile) bool { return p.AnswerPolicy == AnswerAuto }},
		{name: "bad entitlement mode", body: "missing_entitlement = \"crash\"\n", err: ":1: field missing_entitlement"},
		{name: "negative duration", body: "model = \"x\"\ndelegate_block = \"-1s\"\n", err: ":2: field delegate_block: must not be negative"},
		{name: "zero budget", body: "nse_budget = \"0s\"\n", err: ":1: field nse_budget: must be positive"},
		{name: "no call groups", body: "maximum_call_groups = 0\n", err: ":1: field maximum_call_groups"},
		{name: "negative failures", body: "voip_failures = -1\n", err: ":1: field voip_failures"},
		{name: "no memory", body: "nse_memory_cap_mb = 0\n", err: ":1: field nse_memory_cap_mb"},
		{name: "empty name", body: "name = \"\"\n", err: ":1: field name"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "p"+string(rune('a'+i))+".toml")
			if err := os.WriteFile(path, []byte(tt.body), 0o600); err != nil {
				t.Fatal(err)
			}
			p, err := LoadProfile(path)
			if tt.err == "" {
				if err != nil || !tt.check(p) {
					t.Fatalf("%v %+v", err, p)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), path) || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("error %v, want %s%s", err, path, tt.err)
			}
		})
	}
	if _, err := LoadProfile(filepath.Join(dir, "missing.toml")); err == nil || !strings.Contains(err.Error(), "missing.toml") {
		t.Fatalf("missing file: %v", err)
	}
}

func TestProfileSet(t *testing.T) {
	tests := []struct {
		kv    string
		err   string
		check func(Profile) bool
	}{
		{kv: "nse_budget=10s", check: func(p Profile) bool { return p.NSEBudget == 10*time.Second }},
		{kv: "environment=production", check: func(p Profile) bool { return p.Environment == "production" }},
		{kv: `environment="production"`, check: func(p Profile) bool { return p.Environment == "production" }},
		{kv: "alerts_enabled=false", check: func(p Profile) bool { return !p.AlertsEnabled }},
		{kv: "nse_memory_cap_mb = 12", check: func(p Profile) bool { return p.NSEMemoryCapMB == 12 }},
		{kv: `blocked=["a@b","c@d"]`, check: func(p Profile) bool { return slices.Equal(p.Blocked, []string{"a@b", "c@d"}) }},
		{kv: "ios=14.4", check: func(p Profile) bool { return p.IOS == "14.4" }},
		{kv: "nse_budget", err: "want KEY=VALUE"},
		{kv: "=1", err: "want KEY=VALUE"},
		{kv: "nse_budgett=1s", err: "nse_budgett: unknown profile key"},
		{kv: "nse_memory_cap_mb=lots", err: "field nse_memory_cap_mb"},
		{kv: "nse_memory_cap_mb=0", err: "field nse_memory_cap_mb: must be at least 1"},
		{kv: "nse_budget=-3s", err: "field nse_budget: must not be negative"},
		{kv: "answer=maybe", err: "field answer"},
		{kv: "answer=auto", check: func(p Profile) bool { return p.AnswerPolicy == AnswerAuto }},
		{kv: "answer=decline", check: func(p Profile) bool { return p.AnswerPolicy == AnswerDecline }},
	}
	for _, tt := range tests {
		t.Run(tt.kv, func(t *testing.T) {
			p := DefaultProfile()
			err := p.Set(tt.kv)
			if tt.err == "" {
				if err != nil || !tt.check(p) {
					t.Fatalf("%v %+v", err, p)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("error %v, want %q", err, tt.err)
			}
			if d := DefaultProfile(); !slices.Equal(p.Blocked, d.Blocked) || p.NSEBudget != d.NSEBudget || p.NSEMemoryCapMB != d.NSEMemoryCapMB {
				t.Fatalf("a refused setting changed the profile: %+v", p)
			}
		})
	}
	if keys := ProfileKeys(); len(keys) < 35 || !slices.IsSorted(keys) || !slices.Contains(keys, "voip_block_threshold") {
		t.Fatalf("ProfileKeys %v", keys)
	}
}

// FuzzParseProfile: no input makes the loader panic; what it accepts
// validates, and what it refuses names the file.
func FuzzParseProfile(f *testing.F) {
	for _, s := range []string{"", "ios = \"18.2\"\n", "nse_budget = \"10s\"\nblocked = [\"a\"]\n",
		"[x]\ny = 1\n", "answer = \"manual\"\nring_timeout = \"0s\"\n", "maximum_call_groups = -1\n",
		"ios = \"1.\"\n", "name = \"\"\n", "nse_work = \"1h\"\nvoip_failures = 9\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseProfile("fuzz.toml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.toml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if verr := p.Validate(); verr != nil {
			t.Fatalf("accepted a profile that does not validate: %v", verr)
		}
	})
}

func TestLint(t *testing.T) {
	tests := []struct {
		field string
		mod   func(*Profile)
	}{
		{"ios", func(p *Profile) { p.IOS = "14.4" }},
		{"alerts_enabled", func(p *Profile) { p.AlertsEnabled = false }},
		{"filtering_entitlement", func(p *Profile) { p.FilteringEntitlement = false }},
		{"pushkit_delegate", func(p *Profile) { p.PushKitDelegate = false }},
		{"voip_background_mode", func(p *Profile) { p.VoIPBackgroundMode = false }},
		{"region", func(p *Profile) { p.Region = "CN" }},
		{"nse_memory_mb", func(p *Profile) { p.NSEMemoryMB = 25 }},
		{"delegate_block", func(p *Profile) { p.DelegateBlock = 8 * time.Second }},
		{"relays_hangups", func(p *Profile) { p.RelaysHangups = true }},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			p := DefaultProfile()
			tt.mod(&p)
			l := p.Lint()
			if len(l) != 1 || l[0].Field != tt.field || l[0].Source == "" {
				t.Fatalf("lint %v, want one finding for %s", l, tt.field)
			}
		})
	}
}
