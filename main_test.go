package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUsageErrors runs the command tree as the shell does and checks that
// bad input exits 2 with one line naming the flag or file at fault.
func TestUsageErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := t.TempDir()
	notKey := filepath.Join(dir, "not-a-key.p8")
	if err := os.WriteFile(notKey, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	badProfile := filepath.Join(dir, "p.toml")
	if err := os.WriteFile(badProfile, []byte("name = \"x\"\nnse_memroy_mb = 3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--bogus"}, "--bogus"},
		{[]string{"--theme", "neon"}, "--theme"},
		{[]string{"--time-scale", "0"}, "--time-scale"},
		{[]string{"send", "--count", "0"}, "--count"},
		{[]string{"send", "--count", "2", "--concurrency", "3"}, "--concurrency"},
		{[]string{"send", "--kind", "fax"}, "--kind"},
		{[]string{"send", "--answer", "maybe"}, "--answer"},
		{[]string{"send", "--device-profile", badProfile}, "p.toml:2"},
		{[]string{"send", "--device-set", "nse_budget=soon"}, "nse_budget"},
		{[]string{"send", "--decrypt-cmd", filepath.Join(dir, "missing")}, "--decrypt-cmd"},
		{[]string{"send", "--scenario", "do-not-disturbb"}, "did you mean do-not-disturb"},
		{[]string{"send", "extra"}, "unknown command"},
		{[]string{"--ingest", "0.0.0.0:0"}, "--ingest"},
		{[]string{"--ingest", busy.Addr().String()}, "--ingest"},
		{[]string{"mock-apns", "--listen", busy.Addr().String()}, "--listen"},
		{[]string{"mock-apns", "--provider-key", "ABC:TEAM:" + filepath.Join(dir, "none.p8")}, "--provider-key"},
		{[]string{"mock-apns", "--provider-key", "ABC:TEAM:" + notKey}, "--provider-key"},
		{[]string{"mock-apns", "--provider-key", "nocolons"}, "--provider-key"},
		{[]string{"mock-apns", "--device", "xyz"}, "--device"},
		{[]string{"mock-apns", "--environment", "staging"}, "--environment"},
		{[]string{"keys", "new", "--name", "../evil"}, "--name"},
		{[]string{"keys", "new", "--scheme", "rot13"}, "--scheme"},
		{[]string{"envelope", "open", "--in", badProfile, "--skew", "-1h"}, "--skew"},
		{[]string{"envelope", "open"}, "--in"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Setenv("XDG_DATA_HOME", dir)
			t.Setenv("CALLSCOPE_INGEST_TOKEN", "")
			root := rootCommand()
			var out bytes.Buffer
			root.SetOut(&out)
			root.SetErr(&out)
			root.SetArgs(tt.args)
			err := root.ExecuteContext(context.Background())
			if code := exitStatus(err); code != 2 {
				t.Fatalf("exit %d (err %v), want 2", code, err)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") {
				t.Fatalf("error %q: want one line naming %q", msg, tt.want)
			}
		})
	}
}
