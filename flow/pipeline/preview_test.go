package pipeline

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/crypto/scheme"
	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/device"
)

// TestPreviewSealsAsSendDoes: the preview is real crypto on send's path:
// each device's extension opens it (the plaintext is the request), the
// header is the scheme's, and nothing is sent or consumed: the request sent
// next still connects, and the preview left no event.
func TestPreviewSealsAsSendDoes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     Config
		devices int
		openErr string // the receiver's refusal, "" for none
	}{
		{"default", Config{}, 1, ""},
		{"p256, two devices", Config{Scheme: scheme.NameP256, Devices: []device.Profile{device.DefaultProfile(), ipad()}}, 2, ""},
		{"a header tampered on the way", Config{Sender: device.SenderFaults{TamperHeader: "ts"}}, 1, "E_AUTH"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := New(t.Context(), tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			sub := p.Bus().Subscribe(1024)
			req := p.Compose()
			req.Video = true
			ps, err := p.Preview(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) != tc.devices {
				t.Fatalf("%d previews, want %d", len(ps), tc.devices)
			}
			for _, pv := range ps {
				if pv.Envelope.Alg != p.Config().Scheme || len(pv.AAD) != 58 || len(pv.Envelope.CT) == 0 {
					t.Fatalf("envelope %+v aad %d", pv.Envelope, len(pv.AAD))
				}
				if !bytes.Contains(pv.Payload, pv.Body) {
					t.Fatal("the payload does not carry the envelope")
				}
				if tc.openErr != "" {
					if pv.OpenErr == nil || !strings.Contains(pv.OpenErr.Error(), tc.openErr) {
						t.Fatalf("open error %v, want %s", pv.OpenErr, tc.openErr)
					}
					continue
				}
				if pv.OpenErr != nil || pv.Opened == nil {
					t.Fatalf("the device refused its preview: %v", pv.OpenErr)
				}
				var pt envelope.Plaintext
				if err := json.Unmarshal(pv.Opened.Raw, &pt); err != nil || pt.Type != "call.invite" || !pt.Video ||
					pt.Caller.Handle != req.From || pt.Sig == "" {
					t.Fatalf("plaintext %s: %v", pv.Opened.Raw, err)
				}
			}
			if tc.openErr != "" {
				return
			}
			if c := p.Place(t.Context(), req); c.Outcome != flow.OutcomeConnected {
				t.Fatalf("the send after the preview: %s %v", c.Outcome, c.Diag)
			}
			p.Close()
			for e := range sub.Events() {
				if e.Stage == flow.StageSender && e.Name == "sealed" {
					tc.devices-- // one sealed event a device: the send's, none of the preview's
				}
			}
			if tc.devices != 0 {
				t.Fatalf("sealed events beyond the send's: %d", -tc.devices)
			}
		})
	}
}

func ipad() device.Profile {
	p := device.DefaultProfile()
	p.Name, p.Model, p.AnswerPolicy = "iPad", "iPad Air", device.AnswerIgnore
	return p
}
