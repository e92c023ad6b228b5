package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callscope/callscope/flow"
	flowtrace "github.com/callscope/callscope/flow/trace"
)

// TestSendRecordsHeaderAndPush: send --record writes a header (mode,
// endpoints, the device profile) and the push as APNs saw it, 0600; the
// message text is in the trace only with --record-plaintext, and no
// signed JWT ever is.
func TestSendRecordsHeaderAndPush(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name      string
		plaintext bool
	}{{"default", false}, {"with --record-plaintext", true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("XDG_DATA_HOME", dir)
			path := filepath.Join(t.TempDir(), "t.jsonl")
			args := []string{"send", "--kind", "message", "--count", "2", "--record", path}
			if tt.plaintext {
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
			fi, err := os.Stat(path)
			if err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("trace file: %v %v", fi, err)
			}
			r, err := flowtrace.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			h, err := r.Header()
			if err != nil || h == nil || h.Mode != "send" || h.Format != flowtrace.Version || h.Endpoints["apns"] == "" ||
				len(h.Devices) != 1 || h.Plaintext != tt.plaintext || h.Callscope != version {
				t.Fatalf("header %+v %v", h, err)
			}
			ev, err := flowtrace.Load(path, func(le *flowtrace.LineError) { t.Errorf("line: %v", le) })
			if err != nil {
				t.Fatal(err)
			}
			var pushes, shown int
			for _, e := range ev {
				if e.Stage == flow.StageAPNs && e.Name == "received" && e.Push != nil && len(e.Push.Payload) > 0 &&
					strings.HasSuffix(e.Push.Headers["authorization"], flow.SignatureRedacted) {
					pushes++
				}
				if e.Name == flow.NameShown {
					shown++
					if kept := e.Attrs["body"] != flow.PlaintextOmitted; kept != tt.plaintext {
						t.Errorf("shown body %q with plaintext=%v", e.Attrs["body"], tt.plaintext)
					}
				}
			}
			if pushes != 2 || shown != 2 {
				t.Fatalf("%d pushes on record, %d shown, want 2 and 2", pushes, shown)
			}
			raw, _ := os.ReadFile(path)
			for _, l := range strings.Split(string(raw), "\n") {
				if i := strings.Index(l, `"authorization":"bearer `); i >= 0 && !strings.Contains(l[i:], flow.SignatureRedacted) {
					t.Fatalf("an authorization header with its signature: %s", l)
				}
			}
		})
	}
}

// TestRecordFlagUsage: --record on the screen and device is checked before
// anything runs (exit 2, naming the flag and file), and the screen without
// a terminal writes no trace.
func TestRecordFlagUsage(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "no", "such", "t.jsonl")
	for _, args := range [][]string{{"--record", bad}, {"device", "--ca", writeTestCA(t, dir), "--record", bad}} {
		code, _, msg := run(t, args...)
		if code != 2 || !strings.HasPrefix(msg, "--record "+bad+": ") {
			t.Errorf("%v: exit %d, %q", args, code, msg)
		}
	}
	good := filepath.Join(dir, "t.jsonl")
	if code, _, msg := run(t, "--record", good, "--record-plaintext"); code != 2 || !strings.Contains(msg, "no terminal") {
		t.Fatalf("exit %d, %q", code, msg)
	}
	if _, err := os.Stat(good); !os.IsNotExist(err) {
		t.Fatalf("a refused screen wrote its trace: %v", err)
	}
}
