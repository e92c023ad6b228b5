package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestSendRateFlag: --rate N/s runs an open-model load and says so; a
// value that is not a positive rate is one line naming --rate, exit 2,
// and nothing sent.
func TestSendRateFlag(t *testing.T) {
	tests := []struct {
		rate string
		code int
		msg  string
	}{
		{"500/s", 0, ""},
		{"30000/m", 0, ""},
		{"0", 2, `--rate "0": must be above 0 requests per second`},
		{"-5/s", 2, `--rate "-5/s": must be above 0 requests per second`},
		{"fast", 2, `--rate "fast": want a number of requests per second, e.g. 200/s`},
		{"5/day", 2, `--rate "5/day": unknown unit "day": want N/s, N/m or N/h, e.g. 200/s`},
		{"NaN/s", 2, `--rate "NaN/s": want a number of requests per second, e.g. 200/s`},
	}
	for _, tt := range tests {
		t.Run(tt.rate, func(t *testing.T) {
			t.Setenv("XDG_DATA_HOME", t.TempDir())
			root := rootCommand()
			var out bytes.Buffer
			root.SetOut(&out)
			root.SetErr(&out)
			root.SetArgs([]string{"send", "--count", "10", "--rate", tt.rate})
			err := root.ExecuteContext(context.Background())
			if code := exitStatus(err); code != tt.code {
				t.Fatalf("exit %d (err %v), want %d\n%s", code, err, tt.code, out.String())
			}
			if tt.code == 2 {
				if err == nil || err.Error() != tt.msg {
					t.Fatalf("error %v\nwant  %s", err, tt.msg)
				}
				if out.Len() != 0 {
					t.Fatalf("a refused run printed:\n%s", out.String())
				}
				return
			}
			if !strings.Contains(out.String(), "note: open model: --rate ") {
				t.Fatalf("no open-model note:\n%s", out.String())
			}
		})
	}
}

// TestSendRateRefusedWhereIgnored: --rate where nothing would honour it
// (a scenario run, a dry run) is a usage error, not silently dropped.
func TestSendRateRefusedWhereIgnored(t *testing.T) {
	for _, args := range [][]string{
		{"send", "--scenario", "all", "--rate", "5/s"},
		{"send", "--dry-run", "--rate", "5/s"},
	} {
		t.Run(strings.Join(args[1:], " "), func(t *testing.T) {
			code, out, errs := runCmd(t, args...)
			if code != 2 || !strings.Contains(errs, "--rate") {
				t.Fatalf("exit %d, want 2 naming --rate\n%s%s", code, out, errs)
			}
		})
	}
}
