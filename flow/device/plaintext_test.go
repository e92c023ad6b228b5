package device

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/transport/provider"
)

// TestPlaintextOnDeviceLanes: the events of the device lanes that read the
// decrypted request carry it (the extension's decrypted, CallKit's report),
// without its padding and with no key of the device's in any form; events
// before decryption carry none.
func TestPlaintextOnDeviceLanes(t *testing.T) {
	for _, tt := range []struct {
		name  string
		rq    request
		lanes map[string]flow.Stage // event name → lane that must carry it
	}{
		{"call", request{}, map[string]flow.Stage{"decrypted": flow.StageExtension, "report-new-incoming-call": flow.StageCallKit}},
		{"message", request{typ: "message"}, map[string]flow.Stage{"decrypted": flow.StageExtension}},
		{"voip push", request{opts: provider.PushOptions{PushType: "voip"}}, map[string]flow.Stage{"report-new-incoming-call": flow.StageCallKit}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder()
			ph := newPhone(t, DefaultProfile(), rec, flow.VirtualClock{})
			p, callID := ph.push(t, tt.rq)
			ph.Deliver(p)
			rec.next(t, p.TraceID)
			ph.settle(t)
			priv := ph.key.PrivateBytes()
			secrets := []string{string(priv), hex.EncodeToString(priv), base64.StdEncoding.EncodeToString(priv),
				base64.RawURLEncoding.EncodeToString(priv), base64.RawStdEncoding.EncodeToString(priv)}
			found := map[string]bool{}
			for _, e := range rec.trace(p.TraceID) {
				if len(e.Plaintext) == 0 {
					if stage, ok := tt.lanes[e.Name]; ok && stage == e.Stage {
						t.Errorf("%s %s: no plaintext", e.Stage, e.Name)
					}
					continue
				}
				if e.Name == "push-received" || e.Stage != flow.StageExtension && e.Stage != flow.StageCallKit {
					t.Errorf("%s %s carries the plaintext: only what read it does", e.Stage, e.Name)
				}
				found[e.Name] = true
				var pt map[string]any
				if err := json.Unmarshal(e.Plaintext, &pt); err != nil {
					t.Fatalf("%s: not JSON: %v", e.Name, err)
				}
				caller, _ := pt["caller"].(map[string]any)
				if pt["call_uuid"] != callID || caller["handle"] != "alice@example.org" || pt["type"] != firstNonEmpty(tt.rq.typ, "call.invite") {
					t.Errorf("%s: plaintext %s", e.Name, e.Plaintext)
				}
				if _, padded := pt["pad"]; padded || strings.Contains(string(e.Plaintext), "   ") {
					t.Errorf("%s: padding shown: %s", e.Name, e.Plaintext)
				}
				for _, s := range secrets {
					if strings.Contains(string(e.Plaintext), s) {
						t.Fatalf("%s: the device's private key in the plaintext", e.Name)
					}
				}
			}
			for name := range tt.lanes {
				if !found[name] {
					t.Errorf("no %s event with the plaintext", name)
				}
			}
		})
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
