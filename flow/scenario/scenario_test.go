package scenario

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/device"
)

// TestBuiltins runs every scenario through the real pipeline and asserts the
// stage, code and Apple name it declares.
func TestBuiltins(t *testing.T) {
	lib, err := NewLibrary()
	if err != nil {
		t.Fatal(err)
	}
	all := lib.All()
	if len(all) < 30 {
		t.Fatalf("%d scenarios, want at least 30", len(all))
	}
	for _, s := range all {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			r := Run(context.Background(), s)
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			if r.Dropped > 0 {
				t.Fatalf("%d events dropped", r.Dropped)
			}
			if m := r.Mismatch(); m != "" {
				t.Fatalf("%s\nobserved: %v\nevents:\n%s", m, r.Observed, dump(r.Events))
			}
			if !s.Happy() && (r.Observed.Detail == "" || r.Observed.Hint == "") {
				t.Errorf("diagnosis without detail or hint: %+v", r.Observed)
			}
		})
	}
}

func dump(evs []flow.Event) string {
	var b strings.Builder
	for _, e := range evs {
		b.WriteString("  " + string(e.Stage) + " " + e.Name)
		if e.Diagnosis != nil {
			b.WriteString(" ✗ " + e.Diagnosis.String())
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestTwoDevicesEndElsewhere(t *testing.T) {
	lib, _ := NewLibrary()
	for _, tt := range []struct{ scenario, reason string }{
		{"two-devices", device.EndedAnsweredElsewhere},
		{"two-devices-declined", device.EndedDeclinedElsewhere},
	} {
		t.Run(tt.scenario, func(t *testing.T) {
			s, err := lib.Get(tt.scenario)
			if err != nil {
				t.Fatal(err)
			}
			r := Run(context.Background(), s)
			var rang, elsewhere int
			for _, e := range r.Events {
				if e.Name == flow.NameRinging {
					rang++
				}
				if e.Attrs[flow.AttrEndedReason] == tt.reason {
					elsewhere++
				}
			}
			if rang != 2 || elsewhere != 1 {
				t.Fatalf("rang on %d devices, %d %s; want 2 and 1\n%s", rang, elsewhere, tt.reason, dump(r.Events))
			}
		})
	}
}

func TestNamesAndSuggestions(t *testing.T) {
	lib, _ := NewLibrary()
	for _, s := range lib.All() {
		if !nameRE.MatchString(s.Name) {
			t.Errorf("bad name %q", s.Name)
		}
	}
	_, err := lib.Get("do-not-disturbb")
	if err == nil || !strings.Contains(err.Error(), "did you mean do-not-disturb") {
		t.Fatalf("suggestion: %v", err)
	}
	_, err = lib.Get("zzzzzzzzzzzzzzzzzzzz")
	if err == nil || strings.Contains(err.Error(), "did you mean") {
		t.Fatalf("far name got suggestions: %v", err)
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.toml", `
[[scenario]]
name = "my-dnd"
description = "our Focus case"
source = "team wiki"
injects = "profile"
[scenario.expect]
outcome = "failed"
stage = "callkit"
code = "CALL_FILTERED"
apple = "filteredByDoNotDisturb"
[scenario.profile]
do_not_disturb = true
`)
	ss, err := LoadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 1 || !ss[0].Profile.DoNotDisturb || !ss[0].Profile.FilteringEntitlement || ss[0].Kind != flow.KindCall {
		t.Fatalf("loaded %+v", ss)
	}
	if r := Run(context.Background(), ss[0]); !r.Pass() {
		t.Fatalf("user scenario: %s", r.Mismatch())
	}
	tests := []struct{ name, body, want string }{
		{"unknown key", "[[scenario]]\nname = \"x\"\ndescription = \"d\"\n[scenario.profile]\ndo_not_disturbs = true\n", "bad1.toml:5: unknown field scenario.profile.do_not_disturbs"},
		{"bad type", "[[scenario]]\nname = \"x\"\ndescription = \"d\"\nvideo = \"yes\"\n", "bad2.toml:4: field"},
		{"bad name", "[[scenario]]\nname = \"Bad Name\"\ndescription = \"d\"\n", "field name"},
		{"bad stage", "[[scenario]]\nname = \"x\"\ndescription = \"d\"\n[scenario.expect]\ncode = \"X\"\nstage = \"phone\"\n", "expect.stage"},
		{"empty", "# nothing\n", "no [[scenario]]"},
		{"bad profile value", "[[scenario]]\nname = \"a\"\ndescription = \"d\"\n[[scenario]]\nname = \"b\"\ndescription = \"d\"\n[scenario.profile]\nios = \"x\"\n",
			"bad6.toml:8: scenario 2 (b): field profile.ios"},
		{"bad hangup", "[[scenario]]\nname = \"x\"\ndescription = \"d\"\n[scenario.sender]\nhangup = \"during\"\n", "bad7.toml:5: scenario 1 (x): field sender.hangup"},
		{"two devices one name", "[[scenario]]\nname = \"x\"\ndescription = \"d\"\n[[scenario.extra_device]]\nname = \"iPhone\"\n",
			"bad8.toml:5: scenario 1 (x): field extra_device.name"},
		{"extra device keeps defaults", "[[scenario]]\nname = \"x\"\ndescription = \"d\"\n[[scenario.extra_device]]\nname = \"iPad\"\nios = \"1x\"\n",
			"bad9.toml:6: scenario 1 (x): field extra_device.ios"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := write("bad"+string(rune('1'+i))+".toml", tt.body)
			_, err := LoadFile(p)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// TestREADMETable keeps README's scenario table generated from the code.
func TestREADMETable(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- scenarios:begin -->\n", "<!-- scenarios:end -->"
	s := string(b)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatal("README.md has no scenario table markers")
	}
	lib, _ := NewLibrary()
	want := Markdown(lib.All())
	if got := s[i+len(begin) : j]; got != want {
		if os.Getenv("UPDATE_README") != "" {
			s = s[:i+len(begin)] + want + s[j:]
			if err := os.WriteFile("../../README.md", []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Fatal("README.md's scenario table is out of date: run UPDATE_README=1 go test ./flow/scenario -run TestREADMETable")
	}
}

func BenchmarkScenarioCall(b *testing.B) {
	lib, _ := NewLibrary()
	s, _ := lib.Get("audio-call")
	for b.Loop() {
		if r := Run(context.Background(), s); !r.Pass() {
			b.Fatal(r.Mismatch())
		}
	}
}

// TestCatalogueCoverage: the library covers the catalogue ids, APNs
// rejections and receiver errors the issue lists, and every scenario names
// a source in the specs.
func TestCatalogueCoverage(t *testing.T) {
	lib, err := NewLibrary()
	if err != nil {
		t.Fatal(err)
	}
	sources := map[string]bool{}
	codes := map[string]bool{}
	for _, s := range lib.All() {
		if !sourceRE.MatchString(s.Source) {
			t.Errorf("%s: source %q is neither F-xx nor a repo doc", s.Name, s.Source)
		} else if !anchorOK(t, s.Source) {
			t.Errorf("%s: source %q: no such heading in the doc", s.Name, s.Source)
		}
		if m := s.checkInjects(); m != "" {
			t.Errorf("%s: %s", s.Name, m)
		}
		if !s.Happy() && len(s.Knobs()) == 0 {
			t.Errorf("%s: a failure scenario that turns no knob", s.Name)
		}
		sources[s.Source] = true
		codes[string(s.Expect.Code)+" "+s.Expect.Apple] = true
	}
	// Every catalogue entry has a scenario, or the README says why not.
	for n := 1; n <= 33; n++ {
		id := fmt.Sprintf("F-%02d", n)
		why, skipped := NotModelled[id]
		switch {
		case sources[id] && skipped:
			t.Errorf("%s has a scenario and is listed as not modelled", id)
		case !sources[id] && why == "":
			t.Errorf("no scenario for %s, and no reason why", id)
		}
	}
	for _, c := range []string{"APNS_REJECTED ExpiredProviderToken", "APNS_REJECTED PayloadTooLarge", "APNS_REJECTED Unregistered",
		"E_KID_UNKNOWN ", "E_RCPT ", "E_EXPIRED ", "E_REPLAY "} {
		if !codes[c] {
			t.Errorf("no scenario expecting %q", c)
		}
	}
	for _, name := range []string{"audio-call", "video-call", "message", "two-devices"} {
		if s, err := lib.Get(name); err != nil || !s.Happy() {
			t.Errorf("happy path %s: %v", name, err)
		}
	}
}

// Sources cite the repo's docs or the catalogue, never the specs users lack.
var sourceRE = regexp.MustCompile(`^(F-\d\d|docs/(device-rules|apns-rules|failures|receiver-checks|envelope)\.md( S\d+|#[a-z0-9-]+)?)$`)

// anchorOK reports whether a source's #anchor (if any) is a heading of its
// doc, as GitHub spells heading anchors.
func anchorOK(t *testing.T, source string) bool {
	doc, anchor, ok := strings.Cut(source, "#")
	if !ok {
		return true
	}
	b, err := os.ReadFile(filepath.Join("..", "..", doc))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if h, ok := strings.CutPrefix(strings.TrimLeft(line, "#"), " "); ok && strings.HasPrefix(line, "#") {
			slug := strings.Map(func(r rune) rune {
				switch {
				case r == ' ' || r == '-':
					return '-'
				case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
					return r
				case 'A' <= r && r <= 'Z':
					return r + 'a' - 'A'
				}
				return -1
			}, h)
			if slug == anchor {
				return true
			}
		}
	}
	return false
}

// TestCallerStates: the caller's events of a connected call go O1 → O3 → O4.
func TestCallerStates(t *testing.T) {
	lib, _ := NewLibrary()
	s, _ := lib.Get("audio-call")
	r := Run(context.Background(), s)
	// By when each thing began: "posted" is published when the server's
	// answer is back, which on a virtual clock can be after the answer.
	sort.SliceStable(r.Events, func(i, j int) bool { return r.Events[i].Time.Before(r.Events[j].Time) })
	var got []string
	for _, e := range r.Events {
		if st := e.Attrs[device.AttrState]; e.Stage == flow.StageSender && (len(got) == 0 || got[len(got)-1] != st) {
			got = append(got, st)
		}
	}
	if strings.Join(got, " ") != "O1 O3 O4" {
		t.Fatalf("caller states %v\n%s", got, dump(r.Events))
	}
}

// TestWarningKeepsThePath: a diagnosis that does not stop the call (the
// banner shows, a rotated key opened it) leaves every stage's latency to run
// to ringing.
func TestWarningKeepsThePath(t *testing.T) {
	lib, _ := NewLibrary()
	for _, name := range []string{"placeholder-banner", "rotated-key"} {
		t.Run(name, func(t *testing.T) {
			s, err := lib.Get(name)
			if err != nil {
				t.Fatal(err)
			}
			r := Run(context.Background(), s)
			if r.Observed == nil || !r.Observed.Warning {
				t.Fatalf("diagnosis %v, want a warning", r.Observed)
			}
			if d, ok := r.Call.Latency.Get(flow.StageCallKit); !ok || (d <= 0 && !r.Call.Latency.Instant[flow.StageCallKit]) {
				t.Fatalf("callkit latency %v (reached %v): the warning cut the path", d, ok)
			}
		})
	}
}
