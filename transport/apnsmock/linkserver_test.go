package apnsmock

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sideshow/apns2"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/transport/devicelink"
)

const linkedToken = "5555555555555555555555555555555555555555555555555555555555555555"

// blockLink is a device whose Deliver waits for release: its pushes stay
// unacknowledged until then.
type blockLink struct {
	got     chan flow.Push
	release chan struct{}
}

func (b *blockLink) Deliver(p flow.Push) {
	if b.release != nil {
		<-b.release
	}
	b.got <- p
}

func linkFixture(t *testing.T) *fixture {
	return newFixture(t, func(c *Config) { c.DeviceLinkAddr = "127.0.0.1:0" })
}

func (f *fixture) dial(t *testing.T, token string, recv devicelink.Receiver) *devicelink.Client {
	t.Helper()
	c, err := devicelink.Dial(context.Background(), devicelink.ClientConfig{Addr: f.s.DeviceLinkAddr().String(),
		RootCAs: f.s.RootCAs(), Token: token, Topics: []string{testTopic}, Receiver: recv, MinBackoff: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestDeviceLinkDelivers: a token APNs does not know is refused until its
// device links; then the provider's 200 means accepted, and the push reaches
// the device over its TLS link, "delivered" naming the connection.
func TestDeviceLinkDelivers(t *testing.T) {
	f := linkFixture(t)
	c := f.client(t)
	if res, err := c.Push(alertPush(linkedToken)); err != nil || res.Reason != "BadDeviceToken" {
		t.Fatalf("before the device linked: %+v %v, want BadDeviceToken", res, err)
	}
	dev := &blockLink{got: make(chan flow.Push, 4)}
	dc := f.dial(t, linkedToken, dev)
	res, err := c.Push(alertPush(linkedToken))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("after it linked: %+v %v", res, err)
	}
	var p flow.Push
	select {
	case p = <-dev.got:
	case <-time.After(5 * time.Second):
		t.Fatal("push not delivered over the link within 5 s")
	}
	if p.ApnsID != res.ApnsID || p.Received.IsZero() || !strings.Contains(string(p.Payload), "mutable-content") {
		t.Errorf("delivered %+v", p)
	}
	e := f.events.wait(t, "delivered", named(res.ApnsID, "delivered"))
	if want := "tls " + dc.LocalAddr().String(); e.Attrs["link"] != want {
		t.Errorf("delivered over %q, want %q", e.Attrs["link"], want)
	}
	if f.s.DeviceLinks() != 1 {
		t.Errorf("%d links, want 1", f.s.DeviceLinks())
	}
}

// TestDeviceLinkDropStores: a push the device never acknowledged goes to the
// offline store when its link drops, and arrives when the device links again.
func TestDeviceLinkDropStores(t *testing.T) {
	f := linkFixture(t)
	c := f.client(t)
	dev := &blockLink{got: make(chan flow.Push, 4), release: make(chan struct{})}
	dc := f.dial(t, linkedToken, dev)
	res, err := c.Push(alertPush(linkedToken))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("%+v %v", res, err)
	}
	f.events.wait(t, "delivered", named(res.ApnsID, "delivered"))
	closed := make(chan struct{})
	go func() { dc.Close(); close(closed) }() // the device is stuck in Deliver: no ack
	e := f.events.wait(t, "stored", named(res.ApnsID, "stored"))
	if !strings.Contains(e.Attrs["why"], "closed before the device acknowledged") {
		t.Errorf("stored why %q", e.Attrs["why"])
	}
	close(dev.release)
	<-closed
	// The device may have closed before it read the frame: then it never
	// got the push at all. Either way it did not acknowledge it.
	select {
	case <-dev.got:
	default:
	}
	again := &blockLink{got: make(chan flow.Push, 4)}
	f.dial(t, linkedToken, again)
	select {
	case p := <-again.got:
		if p.ApnsID != res.ApnsID {
			t.Errorf("relinked device got %s, want %s", p.ApnsID, res.ApnsID)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("stored push not delivered on relink")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := f.s.WaitDelivered(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestDeviceLinkOtherEnvironment: a production device does not link to the
// sandbox: it holds the other APNs's token.
func TestDeviceLinkOtherEnvironment(t *testing.T) {
	f := linkFixture(t)
	_, err := devicelink.Dial(context.Background(), devicelink.ClientConfig{Addr: f.s.DeviceLinkAddr().String(),
		RootCAs: f.s.RootCAs(), Token: linkedToken, Environment: "production", Receiver: &blockLink{}})
	var re *devicelink.RefusedError
	if !errors.As(err, &re) || !strings.Contains(re.Reason, "this APNs is sandbox") {
		t.Fatalf("err %v, want refused", err)
	}
}

// countingClock is a flow.Clock that counts the units working on each
// request, as flow.SimClock does.
type countingClock struct {
	flow.Clock
	mu     sync.Mutex
	active map[string]int
}

func (c *countingClock) Enter(id string) { c.mu.Lock(); c.active[id]++; c.mu.Unlock() }
func (c *countingClock) Leave(id string) { c.mu.Lock(); c.active[id]--; c.mu.Unlock() }
func (c *countingClock) units(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.active[id]
}

// TestDeviceLinkHoldsTheClock: from the moment the mock queues a push on a
// device link until the device acknowledges it, the request's simulated time
// counts the push as work in progress. Otherwise a second device could run
// its simulated waits alone (ring out after 60 s) while the first device's
// push, which would answer after 2 s, is still on the wire.
func TestDeviceLinkHoldsTheClock(t *testing.T) {
	clock := &countingClock{Clock: flow.NewSimClock(), active: map[string]int{}}
	f := newFixture(t, func(c *Config) { c.DeviceLinkAddr, c.Clock = "127.0.0.1:0", clock })
	dev := &blockLink{got: make(chan flow.Push, 1), release: make(chan struct{})}
	f.dial(t, linkedToken, dev)
	var once sync.Once
	release := func() { once.Do(func() { close(dev.release) }) }
	t.Cleanup(release) // before the link's Close: a failed check must not leave Deliver blocked
	c := f.client(t)
	n := alertPush(linkedToken)
	n.Payload = []byte(`{"aps":{"alert":"x","mutable-content":1},"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}`)
	res, err := c.Push(n)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("push: %+v %v", res, err)
	}
	const trace = "0af7651916cd43dd8448eb211c80319c"
	if got := clock.units(trace); got != 1 {
		t.Fatalf("after the 200, with the push on the link: %d units at work, want 1", got)
	}
	release()
	<-dev.got
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := f.s.WaitDelivered(ctx); err != nil {
		t.Fatal(err)
	}
	if got := clock.units(trace); got != 0 {
		t.Errorf("after the device acknowledged: %d units at work, want 0", got)
	}
}

// TestDeviceLinkTopics: a linked token is for the bundle ids its device's
// hello declared; on another app's topic APNs answers 400
// DeviceTokenNotForTopic, as for a token of another app. Tokens listed in the
// configuration (--device) take any topic, as before.
func TestDeviceLinkTopics(t *testing.T) {
	const other = "org.example.other"
	f := newFixture(t, func(c *Config) {
		c.DeviceLinkAddr = "127.0.0.1:0"
		c.Topics = append(c.Topics, other)
	})
	f.dial(t, linkedToken, &blockLink{got: make(chan flow.Push, 8)})
	c := f.client(t)
	tests := []struct {
		name, token, topic, pushType string
		status                       int
		reason                       string
	}{
		{"linked token, its topic", linkedToken, testTopic, "alert", 200, ""},
		{"linked token, its topic's voip", linkedToken, testTopic + ".voip", "voip", 200, ""},
		{"linked token, another app", linkedToken, other, "alert", 400, "DeviceTokenNotForTopic"},
		{"linked token, another app's voip", linkedToken, other + ".voip", "voip", 400, "DeviceTokenNotForTopic"},
		{"listed token, another app", testDevice, other, "alert", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := alertPush(tt.token)
			n.Topic, n.PushType = tt.topic, apns2.EPushType(tt.pushType)
			res, err := c.Push(n)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tt.status || res.Reason != tt.reason {
				t.Errorf("%d %q, want %d %q", res.StatusCode, res.Reason, tt.status, tt.reason)
			}
		})
	}
}

// TestDeviceLinkUpLoggedFirst: the mock logs a device's link up before what
// the link brings: a push held while the device was offline is released
// after the "device link up" line, not before it.
func TestDeviceLinkUpLoggedFirst(t *testing.T) {
	var col atomic.Pointer[collector]
	f := newFixture(t, func(c *Config) {
		c.DeviceLinkAddr = "127.0.0.1:0"
		c.Faults.Forward = Forward{HoldWhileOffline: []Selector{{}}}
		c.OnLink = func(st LinkState) {
			name := "link-down"
			if st.Up {
				name = "link-up"
			}
			col.Load().Emit(flow.Event{Name: name, Attrs: map[string]string{"remote": st.Remote}})
		}
	})
	col.Store(f.events)
	first := f.dial(t, linkedToken, &blockLink{got: make(chan flow.Push, 4)})
	f.events.wait(t, "first link up", func(e flow.Event) bool { return e.Name == "link-up" })
	first.Close()
	f.events.wait(t, "link down", func(e flow.Event) bool { return e.Name == "link-down" })
	id := f.pusher(t).send(t, fwdPush{linkedToken, "alert", "0"})
	f.events.wait(t, "held", named(id, "held"))
	again := f.dial(t, linkedToken, &blockLink{got: make(chan flow.Push, 4)})
	f.events.wait(t, "delivered", named(id, "delivered"))
	remote := again.LocalAddr().String()
	f.events.mu.Lock()
	defer f.events.mu.Unlock()
	up, released := -1, -1
	for i, e := range f.events.all {
		switch {
		case e.Name == "link-up" && e.Attrs["remote"] == remote:
			up = i
		case e.ApnsID == id && e.Name == "released":
			released = i
		}
	}
	if up < 0 || released < 0 || up > released {
		t.Errorf("second link up at %d, released at %d: want link up first", up, released)
	}
}
