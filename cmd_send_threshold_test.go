package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestSendThreshold: send prints each --threshold pass or fail after the
// summary and exits 1 when one fails (the calls themselves all connect);
// a threshold send cannot measure is refused before anything runs.
func TestSendThreshold(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		has  []string
		msg  string // the error's line, in part
	}{
		{name: "all pass", code: 0, args: []string{"--threshold", "p95(apns)<1h", "--threshold", "p99(total)<=1h", "--threshold", "failed(total)==0",
			"--threshold", "count(total)==3", "--threshold", "count(callkit)==3", "--threshold", "rate(total)>0", "--threshold", "max(callkit)<1ms"},
			has: []string{"thresholds:", "pass  p95(apns)<1h  (got ", "pass  count(total)==3  (got 3)", "pass  failed(total)==0  (got 0)", "pass  rate(total)>0"}},
		{name: "one fails", code: 1, args: []string{"--threshold", "max(total)<1us", "--threshold", "failed(total)==0"},
			has: []string{"FAIL  max(total)<1us  (got ", "pass  failed(total)==0"}},
		{name: "failures counted by stage", code: 1, args: []string{"--device-set", "alerts_enabled=false", "--threshold", "failed(total)<=3", "--threshold", "failed(extension)==3", "--threshold", "failed(apns)==0"},
			has: []string{"pass  failed(total)<=3  (got 3)", "pass  failed(extension)==3  (got 3)", "pass  failed(apns)==0  (got 0)"}},
		{name: "unknown stage", code: 2, args: []string{"--threshold", "p95(apn)<50ms"}, msg: `--threshold "p95(apn)<50ms": send measures sender, server, apns, extension, callkit, total, not "apn"`},
		{name: "no unit", code: 2, args: []string{"--threshold", "p95(apns)<50"}, msg: "must be a duration"},
		{name: "ratio", code: 2, args: []string{"--threshold", "ratio(total)>=0.9"}, msg: "send has no ratio"},
		{name: "rate of a stage", code: 2, args: []string{"--threshold", "rate(apns)>=1"}, msg: "rate(total)"},
		{name: "with a scenario", code: 2, args: []string{"--scenario", "bad-token", "--threshold", "p95(apns)<1s"}, msg: "--threshold"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("XDG_DATA_HOME", t.TempDir())
			root := rootCommand()
			var out bytes.Buffer
			root.SetOut(&out)
			root.SetErr(&out)
			root.SetArgs(append([]string{"send", "--count", "3"}, tt.args...))
			err := root.ExecuteContext(context.Background())
			if code := exitStatus(err); code != tt.code {
				t.Fatalf("exit %d (err %v), want %d\n%s", code, err, tt.code, out.String())
			}
			if tt.msg != "" && (err == nil || !strings.Contains(err.Error(), tt.msg)) {
				t.Fatalf("error %v, want one with %q", err, tt.msg)
			}
			if tt.code == 2 && strings.Contains(out.String(), "STAGE") {
				t.Fatalf("a refused run ran:\n%s", out.String())
			}
			for _, s := range tt.has {
				if !strings.Contains(out.String(), s) {
					t.Errorf("output lacks %q:\n%s", s, out.String())
				}
			}
			// Not a terminal: no histogram, no progress.
			if strings.Contains(out.String(), "DISTRIBUTION") || strings.Contains(out.String(), "\x1b[") {
				t.Errorf("terminal drawing in output that is not a terminal:\n%q", out.String())
			}
		})
	}
}

// TestSendThresholdJSON: with --json the summary carries the thresholds,
// and a failed one still exits 1.
func TestSendThresholdJSON(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	root := rootCommand()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs([]string{"send", "--count", "2", "--json", "--threshold", "p50(apns)<1h", "--threshold", "count(total)>2"})
	if code := exitStatus(root.ExecuteContext(context.Background())); code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, out.String())
	}
	var doc struct {
		Summary struct {
			Thresholds []struct {
				Expr string   `json:"expr"`
				Pass bool     `json:"pass"`
				Got  *float64 `json:"got"`
			} `json:"thresholds"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	th := doc.Summary.Thresholds
	if len(th) != 2 || !th[0].Pass || th[0].Got == nil || th[1].Pass || th[1].Got == nil || *th[1].Got != 2 {
		t.Fatalf("thresholds %+v", th)
	}
}
