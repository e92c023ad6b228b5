package apnsmock

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/transport/apns"
)

// nodeScript sends pushes with @parse/node-apn and prints each result as a
// JSON line. The key file is passed by path; nothing secret is printed.
const nodeScript = `
const apn = require('@parse/node-apn');
const [, port, ca, keyFile, keyId, teamId, device, topic] = process.argv;
const p = new apn.Provider({ token: { key: keyFile, keyId, teamId }, address: '127.0.0.1', port: +port,
  ca: require('fs').readFileSync(ca), production: false, connectionRetryLimit: 0 });
const cases = [
  { name: 'ok', token: device, prio: 10 },
  { name: 'BadPriority', token: device, prio: 7 },
  { name: 'BadDeviceToken', token: 'abc', prio: 10 },
];
(async () => {
  for (const c of cases) {
    const n = new apn.Notification({ alert: { title: 'New message' }, mutableContent: 1, topic, priority: c.prio, pushType: 'alert' });
    const r = await p.send(n, c.token);
    const f = r.failed[0];
    console.log(JSON.stringify({ name: c.name, sent: r.sent.length, status: f && Number(f.status), reason: f && f.response && f.response.reason }));
  }
  p.shutdown();
})().catch(e => { console.error(e); process.exit(1); });
`

// TestNodeAPN drives the mock with @parse/node-apn, a client nobody here
// wrote. .ci/run installs it and exports CALLSCOPE_NODE_MODULES.
func TestNodeAPN(t *testing.T) {
	mods := os.Getenv("CALLSCOPE_NODE_MODULES")
	node, err := exec.LookPath("node")
	switch {
	case err != nil:
		t.Skip("node not found: skipping the @parse/node-apn interop test")
	case mods == "":
		t.Skip("CALLSCOPE_NODE_MODULES not set (.ci/run sets it): skipping the @parse/node-apn interop test")
	}
	if _, err := os.Stat(filepath.Join(mods, "@parse", "node-apn")); err != nil {
		t.Skipf("@parse/node-apn not installed in %s: skipping", mods)
	}
	f := newFixture(t, nil)
	dir := t.TempDir()
	keyFile, caFile := filepath.Join(dir, "key.p8"), filepath.Join(dir, "ca.pem")
	if err := apns.WriteP8(keyFile, f.key); err != nil {
		t.Fatal(err)
	}
	if err := f.s.WriteCA(caFile); err != nil {
		t.Fatal(err)
	}
	_, port, _ := splitHostPort(f.s.Addr().String())
	cmd := exec.Command(node, "-e", nodeScript, port, caFile, keyFile, testKeyID, testTeam, testDevice, testTopic)
	cmd.Env = append(os.Environ(), "NODE_PATH="+mods)
	cmd.WaitDelay = 30 * time.Second
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node-apn: %v\n%s\n%s", err, out, stderr.String())
	}
	want := map[string]struct {
		sent   int
		status int
		reason string
	}{"ok": {1, 0, ""}, "BadPriority": {0, 400, "BadPriority"}, "BadDeviceToken": {0, 400, "BadDeviceToken"}}
	dec := json.NewDecoder(bytesReader(out))
	seen := 0
	for dec.More() {
		var r struct {
			Name   string
			Sent   int
			Status int
			Reason string
		}
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("node-apn output %q: %v", out, err)
		}
		w := want[r.Name]
		if r.Sent != w.sent || r.Status != w.status || r.Reason != w.reason {
			t.Errorf("%s: sent %d status %d reason %q, want %+v", r.Name, r.Sent, r.Status, r.Reason, w)
		}
		seen++
	}
	if seen != len(want) {
		t.Fatalf("node-apn reported %d results, want %d: %s", seen, len(want), out)
	}
}
