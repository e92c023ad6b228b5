package themes

import (
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuiltins: at least dark, light, high-contrast and one more; on either
// background every stage has a colour of its own and failure stands apart
// from all of them, far enough to tell at a glance.
func TestBuiltins(t *testing.T) {
	names := Names()
	if len(names) < 4 {
		t.Fatalf("built-ins %v: want at least four", names)
	}
	for _, want := range []string{"dark", "light", "high-contrast"} {
		if About(want) == "" {
			t.Errorf("no built-in %q in %v", want, names)
		}
	}
	const minApart = 60.0 // RGB distance, 0–441
	for _, name := range names {
		for _, dark := range []bool{true, false} {
			th, err := Get(name, dark)
			if err != nil || th.Name != name {
				t.Fatalf("Get(%q, %v) = %v, %v", name, dark, th.Name, err)
			}
			// A stage's name never reads as ✓ connected, a warning or a
			// failure: the outcome colours are apart from every stage's.
			outcomes := map[string]color.Color{"failure": th.Fail, "ok": th.OK, "warning": th.Warn}
			for i, a := range th.Stages {
				for what, c := range outcomes {
					if d := dist(a, c); d < minApart {
						t.Errorf("%s (dark %v): stage %s is %.0f from the %s colour", name, dark, StageKeys[i], d, what)
					}
				}
				for j := i + 1; j < len(th.Stages); j++ {
					if d := dist(a, th.Stages[j]); d < minApart {
						t.Errorf("%s (dark %v): stages %s and %s are %.0f apart", name, dark, StageKeys[i], StageKeys[j], d)
					}
				}
			}
		}
	}
}

func dist(a, b color.Color) float64 {
	r1, g1, b1, _ := a.RGBA()
	r2, g2, b2, _ := b.RGBA()
	f := func(x, y uint32) float64 { return float64(x>>8) - float64(y>>8) }
	return math.Sqrt(f(r1, r2)*f(r1, r2) + f(g1, g2)*f(g1, g2) + f(b1, b2)*f(b1, b2))
}

// TestChoose: no --theme follows the background; a name picks a built-in
// whatever the background; t (Next) visits every built-in.
func TestChoose(t *testing.T) {
	for _, tc := range []struct {
		arg        string
		dark, want string // names on a dark and a light background
	}{
		{"", "dark", "light"},
		{"dark", "dark", "dark"},
		{"light", "light", "light"},
		{"high-contrast", "high-contrast", "high-contrast"},
		{"harbor", "harbor", "harbor"},
	} {
		c, err := Choose(tc.arg)
		if err != nil {
			t.Fatalf("Choose(%q): %v", tc.arg, err)
		}
		if got := c.Name(true); got != tc.dark {
			t.Errorf("Choose(%q) on dark = %s, want %s", tc.arg, got, tc.dark)
		}
		if got := c.Name(false); got != tc.want {
			t.Errorf("Choose(%q) on light = %s, want %s", tc.arg, got, tc.want)
		}
	}
	hc, _ := Choose("high-contrast")
	if hc.Theme(true).Text == hc.Theme(false).Text {
		t.Error("high-contrast has the same text colour on dark and light backgrounds")
	}
	if _, err := Choose("drak"); err == nil || !strings.Contains(err.Error(), `unknown theme "drak"`) {
		t.Errorf("Choose(drak) = %v, want unknown theme", err)
	}
	for _, dark := range []bool{true, false} {
		seen := map[string]bool{}
		c, _ := Choose("")
		for range Names() {
			c = c.Next(dark)
			seen[c.Name(dark)] = true
		}
		if len(seen) != len(Names()) {
			t.Errorf("Next (dark %v) visits %v, want all of %v", dark, seen, Names())
		}
	}
}

// TestThemeFile: a file overrides what it sets and keeps its base's rest.
func TestThemeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sunset.toml")
	if err := os.WriteFile(path, []byte(`base = "dark"
[colors]
fail = "#f00"
[stages]
apns = "214"
`), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Choose(path)
	if err != nil {
		t.Fatal(err)
	}
	th, base := c.Theme(false), auto(true)
	if th.Name != "sunset" || !sameColor(th.Fail, col("#FF0000")) || !sameColor(th.Stages[2], col("214")) {
		t.Errorf("theme %+v", th)
	}
	if !sameColor(th.Stages[0], base.Stages[0]) || !sameColor(th.Text, base.Text) {
		t.Errorf("unset colours do not come from base dark: %+v", th)
	}
	if _, err := Choose(filepath.Join(t.TempDir(), "none.toml")); err == nil || !strings.Contains(err.Error(), "none.toml") {
		t.Errorf("missing file: %v", err)
	}
}

// TestThemeFileErrors: every bad file is one line naming the file, the
// line and the field.
func TestThemeFileErrors(t *testing.T) {
	for _, tc := range []struct {
		name, data, want string
	}{
		{"unknown key", "name = \"x\"\n[colors]\nfial = \"#fff\"\n", "t.toml:3: unknown field colors.fial"},
		{"unknown table", "[stage]\napns = \"#fff\"\n", "t.toml:1: unknown field stage"},
		{"not a colour", "[colors]\ntext = \"#fff\"\nfail = \"red\"\n", `t.toml:3: field colors.fail: "red" is not a colour`},
		{"bad hex", "[stages]\n\ncallkit = \"#12345g\"\n", `t.toml:3: field stages.callkit: "#12345g" is not a colour`},
		{"ansi out of range", "[stages]\nsender = \"256\"\n", `t.toml:2: field stages.sender: "256" is not a colour`},
		{"a number", "[stages]\nsender = 12\n", "t.toml:2: field stages.sender:"},
		{"bad base", "base = \"neon\"\n", `t.toml:1: field base: "neon" is not a built-in theme`},
		{"fail is a stage's", "[colors]\nfail = \"#2DD4BF\"\n", "t.toml:2: field colors.fail: the failure colour is also stage extension's"},
		{"stage is the failure's", "base = \"dark\"\n[stages]\nserver = \"#ff5555\"\n", "t.toml:3: field stages.server: the failure colour is also stage server's"},
		{"syntax", "[colors\n", "t.toml:2:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseFile("t.toml", []byte(tc.data))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %v\nwant one line starting %q", err, tc.want)
			}
		})
	}
}

func TestParseColor(t *testing.T) {
	for _, tc := range []struct {
		in, out string
		ok      bool
	}{
		{"#abc", "#AABBCC", true}, {"#A1b2C3", "#A1B2C3", true}, {"0", "0", true}, {"255", "255", true},
		{"256", "", false}, {"-1", "", false}, {"012", "", false}, {"abc", "", false}, {"#abcd", "", false},
		{"#ggg", "", false}, {"", "", false},
	} {
		got, ok := ParseColor(tc.in)
		if ok != tc.ok || ok && got != tc.out {
			t.Errorf("ParseColor(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.out, tc.ok)
		}
	}
}

func TestNoColor(t *testing.T) {
	for _, tc := range []struct {
		val  string
		want bool
	}{{"", false}, {"1", true}, {"0", true}} {
		t.Setenv("NO_COLOR", tc.val)
		if NoColor() != tc.want {
			t.Errorf("NO_COLOR=%q: NoColor() = %v", tc.val, !tc.want)
		}
	}
}

// TestDocExample: the theme file in docs/themes.md loads as it is written.
func TestDocExample(t *testing.T) {
	doc, err := os.ReadFile("../docs/themes.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "```toml\n")
	block, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("no ```toml block in docs/themes.md")
	}
	f, err := parseFile("sunset.toml", []byte(block))
	if err != nil {
		t.Fatal(err)
	}
	if th := f.theme(true); th.Name != "sunset" || !sameColor(th.Fail, col("#FF3B3B")) {
		t.Fatalf("docs example: %+v", th)
	}
}
