package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/trace"
)

// pushTrace writes a trace of calls seen at APNs, each with the push as
// APNs saw it: its token, answered 200 then.
func pushTrace(t *testing.T, dir string, tokens ...string) string {
	t.Helper()
	path := filepath.Join(dir, "pushes.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	enc := json.NewEncoder(f)
	t0 := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)
	for i, tok := range tokens {
		id := strings.Repeat(string(rune('a'+i)), 32)
		at := t0.Add(time.Duration(i) * 10 * time.Millisecond)
		rec := &flow.PushRecord{Method: "POST", Path: "/3/device/" + tok, Status: 200, ApnsID: "A-1",
			Headers: map[string]string{"apns-topic": "com.example.app", "apns-push-type": "alert", "apns-priority": "10",
				"authorization": "bearer eyJhbGciOiJFUzI1NiIsImtpZCI6IkFCQzEyMzQ1NjcifQ.eyJpc3MiOiJURUFNMTIzNDU2In0.<signature redacted>"},
			Payload: json.RawMessage(`{"aps":{"alert":"x","mutable-content":1},"e2ee":"opaque"}`)}
		received := flow.Event{TraceID: id, Stage: flow.StageAPNs, Name: "received", Time: at, Push: rec}
		accepted := flow.Event{TraceID: id, Stage: flow.StageAPNs, Name: "accepted", Time: at.Add(time.Millisecond)}
		for _, e := range []flow.Event{received, accepted} {
			if err := enc.Encode(trace.Line{V: trace.Version, Event: e}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return path
}

// TestReplayResend: --rerun --apns resends the recorded pushes to a running
// mock with a fresh JWT (the recorded authorization, signature redacted,
// would be refused), and prints then against now; a token gone since
// (410 Unregistered now, 200 then) fails the run, and a redacted token is
// not sent, and said so.
func TestReplayResend(t *testing.T) {
	dir := t.TempDir()
	p8, _ := writeP8(t, dir)
	m, ca := testMock(t, dir, p8)
	auth := []string{"--rerun", "--speed", "100", "--apns", m.URL(), "--ca", ca, "--auth-key", p8, "--key-id", "ABC1234567", "--team-id", "TEAM123456"}

	ok := pushTrace(t, t.TempDir(), pushToken, pushToken)
	code, out, _, msg := runReplayCLI(t, append([]string{"replay", ok}, auth...)...)
	if code != 0 || strings.Count(out, "200  ") < 2 || !strings.Contains(out, "2 pushes resent, 0 not sent") {
		t.Fatalf("exit %d (%s)\n%s", code, msg, out)
	}

	mixed := pushTrace(t, t.TempDir(), pushToken, goneToken, "1413f287…76f1")
	code, out, _, _ = runReplayCLI(t, append([]string{"replay", mixed, "--json"}, auth...)...)
	if code != 1 {
		t.Fatalf("a push answered otherwise now: exit %d, want 1\n%s", code, out)
	}
	var got []resentJSON
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var j resentJSON
		if err := json.Unmarshal([]byte(l), &j); err != nil {
			t.Fatalf("not JSON lines: %v\n%s", err, out)
		}
		got = append(got, j)
	}
	if len(got) != 3 || got[0].Now != "200" || got[1].Now != "410 Unregistered" || got[1].Then != "200" ||
		!strings.Contains(got[2].Skipped, "redacted") {
		t.Fatalf("answers %+v", got)
	}
}

// TestReplayResendUsage: --apns's flags are checked before anything runs.
func TestReplayResendUsage(t *testing.T) {
	dir := t.TempDir()
	path := pushTrace(t, dir, pushToken)
	p8, _ := writeP8(t, dir)
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"--apns", "https://127.0.0.1:1"}, "--apns: only with --rerun"},
		{[]string{"--rerun", "--ca", "x.pem"}, "--ca: only with --rerun --apns"},
		{[]string{"--rerun", "--apns", "mock"}, "--apns mock"},
		{[]string{"--rerun", "--apns", "http://x"}, "--apns"},
		{[]string{"--rerun", "--apns", "production"}, "token auth"},
		{[]string{"--rerun", "--apns", "production", "--auth-key", p8, "--key-id", "ABC1234567", "--team-id", "TEAM123456"}, "--yes"},
		{[]string{"--rerun", "--apns", "https://127.0.0.1:1", "--device-set", "ios=17.0"}, "not with --device-profile or --device-set"},
	}
	for _, tt := range tests {
		code, out, _, msg := runReplayCLI(t, append([]string{"replay", path}, tt.args...)...)
		if code != 2 || !strings.Contains(msg, tt.msg) || out != "" {
			t.Errorf("%v: exit %d, error %q, out %q; want 2 naming %s", tt.args, code, msg, out, tt.msg)
		}
	}
}
