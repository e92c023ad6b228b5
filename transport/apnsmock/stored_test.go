package apnsmock

import (
	"context"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
)

// TestStoredPushSaysSo: a push APNs stored for an offline device reaches it
// on reconnect with the time it was stored on its forward record, so the
// device's clock and its diagnoses can tell the store's delay from the
// sender's. On the mock's own clock (Config.Now) the time is simulated, and
// the part the wall clock did not see is Unseen.
func TestStoredPushSaysSo(t *testing.T) {
	base := time.Now()
	var offset time.Duration
	f := newFixture(t, func(c *Config) { c.Now = func() time.Time { return base.Add(offset) } })
	res, err := f.client(t).Push(alertPush(testDevice))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("%+v %v", res, err)
	}
	f.events.wait(t, "stored", named(res.ApnsID, "stored"))
	offset = 8 * time.Second
	link := make(chanLink, 1)
	defer f.s.Connect(testDevice, link)()
	p := link.next(t)
	fw := p.Forward
	if fw == nil {
		t.Fatal("delivered on reconnect without a forward record: the 8 s it was stored count as the sender's")
	}
	if fw.Fault != flow.FaultStoredOffline || fw.Held < 8*time.Second || !fw.Simulated || fw.Unseen < 7*time.Second || fw.Unseen > fw.Held {
		t.Errorf("forward %+v, want %q, held ≥ 8 s, simulated, most of it unseen", *fw, flow.FaultStoredOffline)
	}
	e := f.events.wait(t, "delivered", named(res.ApnsID, "delivered"))
	if e.Attrs["stored"] == "" {
		t.Errorf("delivered event %v does not say how long the push was stored", e.Attrs)
	}
}

// TestStoredPushOverTheLink: over a device's TLS link, the store's record
// travels in the frame, measured on the wall clock.
func TestStoredPushOverTheLink(t *testing.T) {
	down := make(chan struct{}, 1)
	f := newFixture(t, func(c *Config) {
		c.DeviceLinkAddr = "127.0.0.1:0"
		c.OnLink = func(st LinkState) {
			if !st.Up && !st.Refused {
				down <- struct{}{}
			}
		}
	})
	dev := &blockLink{got: make(chan flow.Push, 4)}
	f.dial(t, linkedToken, dev).Close()
	select {
	case <-down:
	case <-time.After(5 * time.Second):
		t.Fatal("the mock did not see the link drop within 5 s")
	}
	res, err := f.client(t).Push(alertPush(linkedToken))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("%+v %v", res, err)
	}
	f.events.wait(t, "stored", named(res.ApnsID, "stored"))
	f.dial(t, linkedToken, dev)
	var p flow.Push
	select {
	case p = <-dev.got:
	case <-time.After(5 * time.Second):
		t.Fatal("stored push not delivered on relink")
	}
	if p.Forward == nil || p.Forward.Fault != flow.FaultStoredOffline || p.Forward.Held <= 0 || p.Forward.Simulated {
		t.Errorf("forward %+v, want %q, measured", p.Forward, flow.FaultStoredOffline)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := f.s.WaitDelivered(ctx); err != nil {
		t.Fatal(err)
	}
}
