package pipeline

import (
	"context"
	"testing"
	"time"

	"github.com/sideshow/apns2/token"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/transport/apns"
	"github.com/callscope/callscope/transport/apnsmock"
)

// TestTarget runs the provider server against an APNs it does not start
// (the mock standing in for Apple's, reached by URL and CA): no callee is
// simulated, so an accepted push ends the call "accepted", with the APNs
// lane's answer measured at the server; a refusal fails at APNs with the
// explanation for this host and auth; the screen's answer key says the
// phone is real.
func TestTarget(t *testing.T) {
	key, err := apns.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	m, err := apnsmock.New(apnsmock.Config{Topics: []string{"com.example.app"}, AnyDevice: true,
		Keys: []apnsmock.ProviderKey{{KeyID: "ABC1234567", TeamID: "TEAM123456", Public: &key.PublicKey}}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	tok := &token.Token{AuthKey: key, KeyID: "ABC1234567", TeamID: "TEAM123456"}
	dev := []TargetDevice{{Token: "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"}}
	for _, tt := range []struct {
		topic   string
		outcome flow.Outcome
		reason  string
	}{
		{"com.example.app", flow.OutcomeAccepted, ""},
		{"com.other.app", flow.OutcomeFailed, "TopicDisallowed"},
	} {
		t.Run(tt.topic, func(t *testing.T) {
			target := &Target{Host: m.URL(), Topic: tt.topic, Devices: dev, Token: tok, RootCAs: m.RootCAs(), Timeout: 10 * time.Second}
			p, err := New(context.Background(), Config{Target: target})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			sub := p.Bus().Subscribe(256)
			c := p.Place(context.Background(), p.Compose())
			if c.Outcome != tt.outcome {
				t.Fatalf("outcome %q (%v), want %q", c.Outcome, c.Diag, tt.outcome)
			}
			if _, ok := c.Latency.Get(flow.StageAPNs); !ok {
				t.Errorf("no APNs latency: %+v", c.Latency)
			}
			if tt.reason != "" {
				want := apns.Explain(tt.reason, apns.Context{Host: m.URL(), PushType: "alert", Topic: tt.topic, Auth: "token"})
				if c.Diag == nil || c.Diag.Stage != flow.StageAPNs || c.Diag.Apple != tt.reason || c.Diag.Hint != want {
					t.Fatalf("diagnosis %+v, want APNs %s with %q", c.Diag, tt.reason, want)
				}
			}
			p.Close()
			var answered bool
			for e := range sub.Events() {
				if e.Stage == flow.StageAPNs && e.Attrs["measured"] != "" && e.Duration > 0 {
					answered = true
				}
				if e.Stage == flow.StageExtension || e.Stage == flow.StageCallKit {
					t.Errorf("a simulated device event: %+v", e)
				}
			}
			if !answered {
				t.Error("no measured APNs answer event")
			}
			if err := p.Answer(c.CallID); err == nil {
				t.Error("Answer succeeded with no simulated callee")
			}
		})
	}
}
