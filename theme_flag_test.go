package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestThemeFlag: every screen takes --theme, a built-in or a theme file,
// and refuses a bad one before it starts, in one line naming the flag,
// the file, the line and the field, with exit status 2.
func TestThemeFlag(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(bad, []byte("base = \"dark\"\n[stages]\napns = \"orange\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	unknown := filepath.Join(dir, "unknown.toml")
	if err := os.WriteFile(unknown, []byte("[colors]\nfail = \"#f00\"\nbold = true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	trace := filepath.Join(dir, "t.jsonl")
	if err := os.WriteFile(trace, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range [][]string{{}, {"demo"}, {"replay", trace}, {"mock-apns"}} {
		for _, tc := range []struct {
			theme, want string
		}{
			{"drak", `--theme: unknown theme "drak" (want dark, light, high-contrast, harbor, or a theme file`},
			{bad, "--theme: " + bad + `:3: field stages.apns: "orange" is not a colour`},
			{unknown, "--theme: " + unknown + ":3: unknown field colors.bold"},
			{filepath.Join(dir, "none.toml"), "--theme: open " + filepath.Join(dir, "none.toml")},
		} {
			args := append(append([]string(nil), cmd...), "--theme", tc.theme)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				t.Setenv("XDG_DATA_HOME", dir)
				root := rootCommand()
				var out bytes.Buffer
				root.SetOut(&out)
				root.SetErr(&out)
				root.SetArgs(args)
				err := root.ExecuteContext(context.Background())
				if code := exitStatus(err); code != 2 {
					t.Fatalf("exit %d (err %v), want 2", code, err)
				}
				if msg := err.Error(); !strings.HasPrefix(msg, tc.want) || strings.Contains(msg, "\n") {
					t.Fatalf("error %q: want one line starting %q", msg, tc.want)
				}
			})
		}
	}
}
