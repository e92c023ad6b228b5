package apnsmock

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
)

// nullLink is a device that takes every push.
type nullLink struct{}

func (nullLink) Deliver(flow.Push) {}

func manyTokens(n int) []string {
	toks := make([]string, n)
	for i := range toks {
		toks[i] = fmt.Sprintf("%064x", 0xabc000+i)
	}
	return toks
}

// TestForwarderForgetsIdleDevices: the store-and-forward engine keeps state
// only for devices it holds a push for. After pushes to many tokens through
// every fault have gone out, it remembers none of them: a long-running mock
// does not grow with the tokens it has seen.
func TestForwarderForgetsIdleDevices(t *testing.T) {
	const n = 40
	tests := []struct {
		name    string
		forward Forward
		each    int    // pushes per token
		exp     string // apns-expiration
		offline bool   // the tokens' devices linked and left before the pushes
	}{
		{name: "delay", forward: Forward{Delay: []DelayRule{{Delay: time.Millisecond}}}, each: 1},
		{name: "reorder", forward: Forward{Reorder: []ReorderRule{{N: 2}}}, each: 2},
		{name: "hold while offline, then delay", forward: Forward{HoldWhileOffline: []Selector{{}},
			Delay: []DelayRule{{Delay: time.Millisecond}}}, each: 1, exp: "0", offline: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(c *Config) {
				c.APNsDevices, c.VoIPDevices, c.AnyDevice = nil, nil, true
				c.NewDevice = func(string) Link { return nullLink{} }
				c.Faults.Forward = tt.forward
			})
			toks := manyTokens(n)
			if tt.offline {
				for _, tok := range toks {
					f.s.Connect(tok, nullLink{})()
				}
			}
			ps := f.pusher(t)
			var ids []string
			for _, tok := range toks {
				for range tt.each {
					ids = append(ids, ps.send(t, fwdPush{tok, "alert", tt.exp}))
				}
			}
			if tt.offline {
				for _, id := range ids {
					f.events.wait(t, "held", named(id, "held"))
				}
				for _, tok := range toks {
					defer f.s.Connect(tok, nullLink{})()
				}
			}
			for _, id := range ids {
				f.events.wait(t, "delivered", named(id, "delivered"))
			}
			if err := f.s.Settle(ctxWithin(t, 10*time.Second)); err != nil {
				t.Fatal(err)
			}
			f.s.fwd.mu.Lock()
			left := len(f.s.fwd.devices)
			f.s.fwd.mu.Unlock()
			if left != 0 {
				t.Fatalf("the engine still keeps %d of %d devices it holds nothing for", left, n)
			}
		})
	}
}

// of is every event for apnsID so far, in order.
func (c *collector) of(apnsID string) []flow.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []flow.Event
	for _, e := range c.all {
		if e.ApnsID == apnsID {
			out = append(out, e)
		}
	}
	return out
}

// TestStandInShownIsBounded: the stand-in remembers the latest shownMax
// collapse ids, however many it is sent; the push that pushes one off names
// it and the count, a re-shown id moves up the list, and a push with a
// forgotten id is shown as new.
func TestStandInShownIsBounded(t *testing.T) {
	log := newCollector()
	d := &SimDevice{Token: testDevice, Sink: log}
	push := func(i int, collapse string) string {
		id := fmt.Sprintf("00000000-0000-0000-0000-%012d", i)
		d.Deliver(flow.Push{ApnsID: id, Token: testDevice, PushType: "alert", CollapseID: collapse,
			Payload: []byte(`{"aps":{"alert":{"title":"x"},"mutable-content":1}}`)})
		return id
	}
	cid := func(i int) string { return fmt.Sprintf("thread-%d", i) }
	const n = 10 * shownMax
	push(0, cid(0))
	push(1, cid(1))
	var overflow string
	for i := 2; i < n; i++ {
		if i == shownMax {
			push(-1, cid(0)) // cid 0 shown again: now the most recent
		}
		id := push(i, cid(i))
		if i == shownMax {
			overflow = id
		}
	}
	d.mu.Lock()
	kept, byID, forgotten := d.shown.order.Len(), len(d.shown.byID), d.shown.forgotten
	d.mu.Unlock()
	if kept != shownMax || byID != shownMax || forgotten != n-shownMax {
		t.Fatalf("list %d, index %d, forgotten %d after %d collapse ids; want %d, %d, %d",
			kept, byID, forgotten, n, shownMax, shownMax, n-shownMax)
	}
	ev := log.of(overflow)
	if len(ev) == 0 || ev[len(ev)-1].Attrs["forgot_collapse_id"] != cid(1) ||
		!strings.HasPrefix(ev[len(ev)-1].Attrs["collapse_ids_forgotten"], "1 ") {
		t.Fatalf("the push that overflowed the list: %+v, want it to name %s and 1 forgotten", ev, cid(1))
	}
	again := push(n, cid(1)) // forgotten long ago: shown as new
	for _, e := range log.of(again) {
		if e.Name == "notification-replaced" {
			t.Fatalf("a forgotten collapse id replaced %s", e.Attrs["replaces"])
		}
	}
	latest := push(n+1, cid(n-1)) // still on the list
	if ev := log.of(latest); len(ev) == 0 || ev[0].Name != "notification-replaced" {
		t.Fatalf("a remembered collapse id: %+v, want notification-replaced", ev)
	}
}

// TestLinkTableForgetsLongGoneDevices: devices that link and leave are
// remembered up to a bound, the longest gone forgotten first, except one
// APNs stores a push for; a push to a forgotten token says the mock forgot
// devices. A long-running mock does not grow with every device it has seen.
func TestLinkTableForgetsLongGoneDevices(t *testing.T) {
	const keep, n = 3, 12
	downs := make(chan string, n+1)
	f := newFixture(t, func(c *Config) {
		c.DeviceLinkAddr = "127.0.0.1:0"
		c.OnLink = func(st LinkState) {
			if !st.Up && !st.Refused {
				downs <- st.Token
			}
		}
	})
	f.s.links.mu.Lock()
	f.s.links.gone.max = keep
	f.s.links.mu.Unlock()
	linkAndLeave := func(tok string) {
		f.dial(t, tok, &blockLink{got: make(chan flow.Push, 4)}).Close()
		select {
		case <-downs:
		case <-time.After(5 * time.Second):
			t.Fatalf("link of %s not down within 5 s", tok[:8])
		}
	}
	toks := manyTokens(n + 1)
	storedTok, toks := toks[0], toks[1:]
	linkAndLeave(storedTok)
	c := f.client(t)
	if res, err := c.Push(alertPush(storedTok)); err != nil || res.StatusCode != 200 {
		t.Fatalf("push to the offline device: %+v %v", res, err)
	}
	for _, tok := range toks {
		linkAndLeave(tok)
	}
	f.s.links.mu.Lock()
	known, offline, gone, forgot := len(f.s.links.known), len(f.s.links.offline), f.s.links.gone.order.Len(), f.s.links.gone.forgot
	_, storedKept := f.s.links.known[storedTok]
	f.s.links.mu.Unlock()
	if known > keep || offline > keep || gone > keep || forgot != n+1-keep {
		t.Fatalf("after %d devices linked and left: %d known, %d offline, %d gone, %d forgotten; want at most %d each, %d forgotten",
			n+1, known, offline, gone, forgot, keep, n+1-keep)
	}
	if !storedKept {
		t.Fatal("the device APNs stores a push for was forgotten")
	}
	res, err := c.Push(alertPush(toks[0]))
	if err != nil || res.Reason != "BadDeviceToken" {
		t.Fatalf("push to a forgotten device: %+v %v, want BadDeviceToken", res, err)
	}
	if res, err := c.Push(alertPush(toks[n-1])); err != nil || res.StatusCode != 200 {
		t.Fatalf("push to the device that left last: %+v %v, want 200 (stored)", res, err)
	}
	e := f.events.wait(t, "rejected", func(e flow.Event) bool { return e.ApnsID == res.ApnsID && e.Diagnosis != nil })
	if !strings.Contains(e.Diagnosis.Detail, "forgot") {
		t.Errorf("BadDeviceToken detail %q does not say the mock forgot devices", e.Diagnosis.Detail)
	}
}

// TestStandInsAreBounded: the standalone mock makes a stand-in for any
// token, so it keeps only the latest pushed to: the least recently pushed
// to is forgotten, and a stand-in made after some were says so on its
// "delivered" event.
func TestStandInsAreBounded(t *testing.T) {
	const keep, n = 4, 20
	f := newFixture(t, func(c *Config) {
		c.APNsDevices, c.VoIPDevices, c.AnyDevice = nil, nil, true
		c.NewDevice = func(tok string) Link { return &SimDevice{Token: tok} }
	})
	f.s.links.mu.Lock()
	f.s.links.standIns.max = keep
	f.s.links.mu.Unlock()
	ps := f.pusher(t)
	toks := manyTokens(n)
	var first string // the push that made the first stand-in beyond the bound
	for i, tok := range toks {
		id := ps.send(t, fwdPush{tok, "alert", ""})
		if i == keep {
			first = id
		}
		ps.send(t, fwdPush{toks[0], "alert", ""}) // toks[0] is pushed to all along: never the least recent
	}
	f.s.links.mu.Lock()
	links, order, forgot := len(f.s.links.links), f.s.links.standIns.order.Len(), f.s.links.standIns.forgot
	_, kept := f.s.links.links[toks[0]]
	f.s.links.mu.Unlock()
	if links != keep || order != keep || forgot != n-keep {
		t.Fatalf("after pushes to %d tokens: %d devices, %d stand-ins listed, %d forgotten; want %d, %d, %d",
			n, links, order, forgot, keep, keep, n-keep)
	}
	if !kept {
		t.Fatal("the stand-in pushed to all along was forgotten")
	}
	e := f.events.wait(t, "delivered", named(first, "delivered"))
	if !strings.Contains(e.Attrs["note"], "forgot 1") {
		t.Fatalf("delivered note %q, want it to say the mock forgot 1 stand-in", e.Attrs["note"])
	}
}
