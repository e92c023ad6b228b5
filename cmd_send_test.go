package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSendExitStatus: send exits 0 when every request ended as the run
// asked (declined calls with --answer decline included), 1 when one ended
// otherwise, and 2 naming the file and line of a duration with no unit.
func TestSendExitStatus(t *testing.T) {
	dir := t.TempDir()
	unitless := filepath.Join(dir, "unitless.toml")
	if err := os.WriteFile(unitless, []byte("model = \"iPhone 15\"\nnse_startup = 6\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		msg  string // the error's one line, exactly; "" for none
	}{
		{name: "calls connect", args: []string{"--count", "2"}, code: 0},
		{name: "declined as asked", args: []string{"--count", "2", "--answer", "decline"}, code: 0},
		{name: "declined as the profile asks", args: []string{"--device-set", "answer=decline"}, code: 0},
		{name: "unanswered as asked", args: []string{"--answer", "ignore", "--device-set", "ring_timeout=3s"}, code: 0},
		{name: "message shown", args: []string{"--kind", "message"}, code: 0},
		{name: "--answer auto beats the profile's decline", args: []string{"--answer", "auto", "--device-set", "answer=decline"}, code: 0},
		{name: "--answer answer beats the profile's decline", args: []string{"--answer", "answer", "--device-set", "answer=decline"}, code: 0},
		{name: "rang out, asked to answer", args: []string{"--device-set", "answer_after=70s"}, code: 1},
		{name: "failed, asked to decline", args: []string{"--answer", "decline", "--device-set", "alerts_enabled=false"}, code: 1},
		{name: "failed", args: []string{"--device-set", "alerts_enabled=false"}, code: 1},
		{name: "duration with no unit", args: []string{"--device-profile", unitless}, code: 2,
			msg: "--device-profile: " + unitless + ":2: nse_startup: 6 has no unit (write 6s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("XDG_DATA_HOME", dir)
			root := rootCommand()
			var out bytes.Buffer
			root.SetOut(&out)
			root.SetErr(&out)
			root.SetArgs(append([]string{"send"}, tt.args...))
			err := root.ExecuteContext(context.Background())
			if code := exitStatus(err); code != tt.code {
				t.Fatalf("exit %d (err %v), want %d\n%s", code, err, tt.code, out.String())
			}
			if tt.msg != "" && (err == nil || err.Error() != tt.msg) {
				t.Fatalf("error %v\nwant  %s", err, tt.msg)
			}
			if tt.code == 2 && strings.Contains(out.String(), "TRACE") {
				t.Fatalf("a refused run printed calls:\n%s", out.String())
			}
		})
	}
}
