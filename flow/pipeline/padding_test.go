package pipeline

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/device"
)

// TestCallAndMessageSameSize: through the real caller, provider server and
// mock APNs, a typical call and a typical message reach APNs as payloads of
// the same size (the plaintext is padded to a bucket), so neither the
// provider server nor Apple can tell which is which by size. Without the
// padding a call's push was 702 bytes and a message's 727.
func TestCallAndMessageSameSize(t *testing.T) {
	p := newPipeline(t, nil)
	sub := p.Bus().Subscribe(4096)
	defer sub.Close()
	reqs := map[string]func(*flow.Request){
		"video call":        func(r *flow.Request) { r.Kind, r.Video = flow.KindCall, true },
		"audio call":        func(r *flow.Request) { r.Kind = flow.KindCall },
		"short message":     func(r *flow.Request) { r.Kind, r.Text = flow.KindMessage, "See you at 5?" },
		"100-char message":  func(r *flow.Request) { r.Kind, r.Text = flow.KindMessage, strings.Repeat("on my way, ", 10)[:100] },
		"message, no text":  func(r *flow.Request) { r.Kind, r.Text = flow.KindMessage, "" },
		"call, longer name": func(r *flow.Request) { r.Kind, r.FromName = flow.KindCall, "Alice Liddell-Hargreaves" },
	}
	traces := map[string]string{}
	for name, mod := range reqs {
		req := p.Compose()
		mod(&req)
		c := p.Place(context.Background(), req)
		if c.Outcome != flow.OutcomeConnected && c.Outcome != flow.OutcomeShown {
			t.Fatalf("%s: outcome %s (%v)", name, c.Outcome, c.Diag)
		}
		traces[c.TraceID] = name
	}
	// What APNs received, per request: the mock records the payload's size
	// as it came off the wire.
	sizes := map[string]string{}
	deadline := time.After(10 * time.Second)
	for len(sizes) < len(reqs) {
		select {
		case e := <-sub.Events():
			if name, ok := traces[e.TraceID]; ok && e.Stage == flow.StageAPNs && e.Name == "received" {
				sizes[name] = e.Attrs["payload_bytes"]
			}
			if e.Stage == flow.StageExtension && e.Name == "decrypted" && e.Attrs[device.AttrSignature] == "" {
				t.Errorf("decrypted event without a signature attribute: %v", e.Attrs)
			}
		case <-deadline:
			t.Fatalf("APNs received %d of %d pushes: %v", len(sizes), len(reqs), sizes)
		}
	}
	want := sizes["video call"]
	for _, n := range sizes {
		if n != want || n == "" {
			t.Fatalf("APNs payload sizes differ: %v", sizes)
		}
	}
	t.Logf("every push is %s bytes at APNs", want)
}
