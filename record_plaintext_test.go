package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callscope/callscope/flow"
	flowtrace "github.com/callscope/callscope/flow/trace"
)

// TestRecordDevicePlaintext: the decrypted request on the device lanes'
// events reaches a trace only with --record-plaintext.
func TestRecordDevicePlaintext(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	for _, keep := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "t.jsonl")
		args := []string{"send", "--count", "1", "--record", path}
		if keep {
			args = append(args, "--record-plaintext")
		}
		root := rootCommand()
		var out bytes.Buffer
		root.SetOut(&out)
		root.SetErr(&out)
		root.SetArgs(args)
		if err := root.ExecuteContext(context.Background()); err != nil {
			t.Fatalf("send: %v\n%s", err, out.String())
		}
		evs, err := flowtrace.Load(path, func(le *flowtrace.LineError) { t.Errorf("line: %v", le) })
		if err != nil {
			t.Fatal(err)
		}
		lanes := map[string]bool{}
		for _, e := range evs {
			if len(e.Plaintext) > 0 {
				if !strings.Contains(string(e.Plaintext), `"call.invite"`) {
					t.Errorf("plaintext %s", e.Plaintext)
				}
				lanes[string(e.Stage)+" "+e.Name] = true
			}
		}
		want := map[string]bool{}
		if keep {
			want = map[string]bool{string(flow.StageExtension) + " decrypted": true, string(flow.StageCallKit) + " report-new-incoming-call": true}
		}
		if len(lanes) != len(want) || !lanes[string(flow.StageExtension)+" decrypted"] != !keep {
			t.Errorf("--record-plaintext=%v: plaintext on %v, want %v", keep, lanes, want)
		}
	}
}
