package apnsmock

import (
	"fmt"
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
