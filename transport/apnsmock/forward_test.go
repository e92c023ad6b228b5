package apnsmock

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
)

// fwdPush is one push a forward test sends.
type fwdPush struct {
	token, pushType, exp string
}

// pusher sends pushes on one connection with one provider token.
type pusher struct {
	f   *fixture
	c   *http.Client
	jwt string
}

func (f *fixture) pusher(t *testing.T) *pusher { return &pusher{f, f.raw(), f.jwt(t)} }

func (ps *pusher) send(t *testing.T, p fwdPush) string {
	t.Helper()
	topic := testTopic + pushTypes[p.pushType]
	hdr := [][2]string{{"authorization", "bearer " + ps.jwt}, {"apns-topic", topic}, {"apns-push-type", p.pushType}}
	if p.exp != "" {
		hdr = append(hdr, [2]string{"apns-expiration", p.exp})
	}
	r := ps.f.do(t, ps.c, "POST", "/3/device/"+p.token, hdr, `{"aps":{"alert":{"title":"x"},"mutable-content":1}}`)
	if r.status != 200 {
		t.Fatalf("push: %d %s", r.status, r.body)
	}
	return r.header.Get("apns-id")
}

var (
	alertTo = fwdPush{testDevice, "alert", ""}
	voipTo  = fwdPush{testVoIP, "voip", ""}
	zeroTo  = fwdPush{testDevice, "alert", "0"}
)

// TestForward: each store-and-forward fault holds, delays, keeps or reorders
// exactly the pushes its selector picks, says so in events, and marks the
// push with what it did; simulated delays pass on the simulated clock and
// are labelled simulated, wall-clock ones are measured.
func TestForward(t *testing.T) {
	type want struct {
		fault     string        // Push.Forward.Fault; "" = went straight through
		held      time.Duration // at least
		simulated bool
		overtaken int
		by        int // with overtaken: the push delivered first in its group
	}
	tests := []struct {
		name    string
		fwd     Forward
		virtual bool
		offline bool // the devices connect only after every push was answered
		pushes  []fwdPush
		order   []int  // pushes in delivery order
		want    []want // by push index
		events  []string
	}{
		{name: "delay, simulated", fwd: Forward{Delay: []DelayRule{{Delay: 20 * time.Second}}}, virtual: true,
			pushes: []fwdPush{alertTo}, order: []int{0},
			want: []want{{fault: "delay 20s", held: 20 * time.Second, simulated: true}}, events: []string{"held", "released"}},
		{name: "delay, measured", fwd: Forward{Delay: []DelayRule{{Delay: 40 * time.Millisecond}}},
			pushes: []fwdPush{alertTo}, order: []int{0},
			want: []want{{fault: "delay 40ms", held: 40 * time.Millisecond}}, events: []string{"held", "released"}},
		{name: "delay keeps the order", fwd: Forward{Delay: []DelayRule{{Delay: time.Minute}}}, virtual: true,
			pushes: []fwdPush{alertTo, alertTo, alertTo}, order: []int{0, 1, 2},
			want: []want{{fault: "delay 1m0s", held: time.Minute, simulated: true}, {fault: "delay 1m0s", held: time.Minute, simulated: true},
				{fault: "delay 1m0s", held: time.Minute, simulated: true}}},
		{name: "delay by push type", fwd: Forward{Delay: []DelayRule{{Selector: Selector{PushType: "voip"}, Delay: 20 * time.Second}}}, virtual: true,
			pushes: []fwdPush{alertTo, voipTo}, order: []int{0, 1},
			want: []want{{}, {fault: "delay 20s", held: 20 * time.Second, simulated: true}}},
		{name: "delay by token, the most specific rule wins", fwd: Forward{Delay: []DelayRule{{Delay: time.Hour},
			{Selector: Selector{Token: testDevice}, Delay: 20 * time.Second}}}, virtual: true,
			pushes: []fwdPush{alertTo, voipTo}, order: []int{0, 1},
			want: []want{{fault: "delay 20s", held: 20 * time.Second, simulated: true}, {fault: "delay 1h0m0s", held: time.Hour, simulated: true}}},
		{name: "reorder 2: newest first", fwd: Forward{Reorder: []ReorderRule{{N: 2}}},
			pushes: []fwdPush{alertTo, alertTo}, order: []int{1, 0},
			want: []want{{fault: "reorder 2", overtaken: 1, by: 1}, {fault: "reorder 2"}}, events: []string{"held", "reordered", "released"}},
		{name: "reorder: a partial group goes at the window's end", fwd: Forward{Reorder: []ReorderRule{{N: 3}}, ReorderWindow: time.Second},
			pushes: []fwdPush{alertTo, alertTo}, order: []int{1, 0},
			want: []want{{fault: "reorder 3", held: 900 * time.Millisecond, overtaken: 1, by: 1}, {fault: "reorder 3"}}},
		{name: "reorder by push type", fwd: Forward{Reorder: []ReorderRule{{Selector: Selector{PushType: "voip"}, N: 2}}},
			pushes: []fwdPush{alertTo, voipTo, alertTo, voipTo}, order: []int{0, 2, 3, 1},
			want: []want{{}, {fault: "reorder 2", overtaken: 1, by: 3}, {}, {fault: "reorder 2"}}},
		{name: "delay, then reorder", fwd: Forward{Delay: []DelayRule{{Delay: 20 * time.Second}}, Reorder: []ReorderRule{{N: 2}}}, virtual: true,
			pushes: []fwdPush{alertTo, alertTo}, order: []int{1, 0},
			want: []want{{fault: "delay 20s, reorder 2", held: 20 * time.Second, simulated: true, overtaken: 1, by: 1},
				{fault: "delay 20s, reorder 2", held: 20 * time.Second, simulated: true}}},
		{name: "hold while offline: expiration 0 kept", fwd: Forward{HoldWhileOffline: []Selector{{}}}, offline: true,
			pushes: []fwdPush{zeroTo}, order: []int{0},
			want: []want{{fault: "hold-while-offline"}}, events: []string{"held", "released"}},
		{name: "hold while offline: one per bundle id", fwd: Forward{HoldWhileOffline: []Selector{{}}}, offline: true,
			pushes: []fwdPush{zeroTo, zeroTo}, order: []int{1},
			want: []want{{}, {fault: "hold-while-offline"}}, events: []string{"replaced"}},
		{name: "hold while offline, then delayed after reconnecting", fwd: Forward{HoldWhileOffline: []Selector{{}},
			Delay: []DelayRule{{Delay: 25 * time.Second}}}, virtual: true, offline: true,
			pushes: []fwdPush{zeroTo}, order: []int{0},
			want: []want{{fault: "hold-while-offline, delay 25s", held: 25 * time.Second, simulated: true}}},
		{name: "hold while offline: another push type is dropped", fwd: Forward{HoldWhileOffline: []Selector{{PushType: "voip"}}}, offline: true,
			pushes: []fwdPush{zeroTo}, order: nil, events: []string{"dropped"}},
		{name: "hold while offline: a push APNs stores anyway is not held, only stored", fwd: Forward{HoldWhileOffline: []Selector{{}}}, offline: true,
			pushes: []fwdPush{alertTo}, order: []int{0}, want: []want{{fault: flow.FaultStoredOffline}}, events: []string{"stored"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, func(c *Config) {
				c.Faults.Forward = tc.fwd
				if tc.virtual {
					c.Clock = flow.NewSimClock()
				}
			})
			link := make(chanLink, 8)
			if !tc.offline {
				defer f.s.Connect(testDevice, link)()
				defer f.s.Connect(testVoIP, link)()
			}
			var ids []string
			ps := f.pusher(t)
			for _, p := range tc.pushes {
				ids = append(ids, ps.send(t, p))
			}
			if tc.offline {
				for _, id := range ids {
					f.events.wait(t, "answer", func(e flow.Event) bool {
						return e.ApnsID == id && (e.Name == "held" || e.Name == "stored" || e.Name == "dropped")
					})
				}
				defer f.s.Connect(testDevice, link)()
			}
			for _, name := range tc.events {
				f.events.wait(t, name, func(e flow.Event) bool { return e.Name == name && e.Stage == flow.StageAPNs })
			}
			// order is the delivery order to each device: pushes to two
			// devices are two requests, which a simulated clock runs
			// independently, so their order between devices is not fixed.
			next := map[string][]int{} // token → the pushes it should get, in order
			for _, i := range tc.order {
				next[tc.pushes[i].token] = append(next[tc.pushes[i].token], i)
			}
			for range tc.order {
				p := link.next(t)
				want := next[p.Token]
				if len(want) == 0 || p.ApnsID != ids[want[0]] {
					t.Fatalf("delivered %s to %s, want %v next there; pushes %v", p.ApnsID, p.Token, want, ids)
				}
				i := want[0]
				next[p.Token] = want[1:]
				w := tc.want[i]
				fw := p.Forward
				if w.fault == "" {
					if fw != nil {
						t.Fatalf("push %d: forwarded %+v, want straight through", i, *fw)
					}
					continue
				}
				if fw == nil {
					t.Fatalf("push %d: no Forward, want %q", i, w.fault)
				}
				if fw.Fault != w.fault || fw.Held < w.held || fw.Simulated != w.simulated || fw.Overtaken != w.overtaken {
					t.Fatalf("push %d: %+v, want %+v", i, *fw, w)
				}
				if w.simulated && fw.Unseen < w.held {
					t.Fatalf("push %d: unseen %v of a simulated %v hold", i, fw.Unseen, w.held)
				}
				if fw.Overtaken > 0 && fw.OvertakenBy != ids[w.by] {
					t.Fatalf("push %d overtaken by %s, want push %d (%s)", i, fw.OvertakenBy, w.by, ids[w.by])
				}
			}
			if err := f.s.Settle(ctxWithin(t, 5*time.Second)); err != nil {
				t.Fatal(err)
			}
			select {
			case p := <-link:
				t.Fatalf("unexpected delivery %s", p.ApnsID)
			default:
			}
		})
	}
}

// TestForwardReleasedEvent: a simulated hold's event is simulated and costs
// no wall time; a measured one is not simulated.
func TestForwardReleasedEvent(t *testing.T) {
	for _, virtual := range []bool{true, false} {
		f := newFixture(t, func(c *Config) {
			c.Faults.Forward = Forward{Delay: []DelayRule{{Delay: 30 * time.Millisecond}}}
			if virtual {
				c.Clock = flow.NewSimClock()
			}
		})
		link := make(chanLink, 1)
		defer f.s.Connect(testDevice, link)()
		id := f.pusher(t).send(t, alertTo)
		e := f.events.wait(t, "released", named(id, "released"))
		label := "(measured)"
		if virtual {
			label = "(simulated)"
		}
		if e.Simulated != virtual || e.Duration < 30*time.Millisecond || !strings.HasSuffix(e.Attrs["held"], label) ||
			e.Attrs["fault"] != "delay 30ms" {
			t.Fatalf("virtual %v: released %+v", virtual, e)
		}
		link.next(t)
	}
}

// TestForwardClose: pushes held when the mock stops are dropped, each with
// an event, and nothing is left running.
func TestForwardClose(t *testing.T) {
	f := newFixture(t, func(c *Config) {
		c.Faults.Forward = Forward{Delay: []DelayRule{{Delay: time.Hour}}, Reorder: []ReorderRule{{Selector: Selector{PushType: "voip"}, N: 5}},
			ReorderWindow: time.Hour}
	})
	link := make(chanLink, 2)
	defer f.s.Connect(testDevice, link)()
	defer f.s.Connect(testVoIP, link)()
	ps := f.pusher(t)
	a, b := ps.send(t, alertTo), ps.send(t, voipTo)
	f.events.wait(t, "held", named(a, "held"))
	f.s.Close()
	f.events.wait(t, "dropped", named(a, "dropped"))
	f.events.wait(t, "dropped", named(b, "dropped"))
}

func TestParseForward(t *testing.T) {
	tests := []struct {
		delay, hold, reorder []string
		want                 string // error text, "" = valid
	}{
		{delay: []string{"20s", "voip=20s", testDevice + "=1m", "all=5ms"}, hold: []string{"", "voip", testDevice}, reorder: []string{"2", "alert=3"}},
		{delay: []string{"20"}, want: `--delay "20": 20 has no unit (write 20s)`},
		{delay: []string{"soon"}, want: `--delay "soon": want [SELECTOR=]DURATION`},
		{delay: []string{"-1s"}, want: `--delay "-1s": the delay must be positive`},
		{delay: []string{"phone=1s"}, want: `--delay "phone" is neither all, a push type`},
		{hold: []string{"xyz"}, want: `--hold-while-offline "xyz" is neither`},
		{reorder: []string{"1"}, want: `--reorder "1": want [SELECTOR=]N with N at least 2`},
		{reorder: []string{"voip=x"}, want: `--reorder "voip=x"`},
	}
	for _, tc := range tests {
		f, err := ParseForward(tc.delay, tc.hold, tc.reorder)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: %v", tc, err)
		case tc.want == "" && (len(f.Delay) != 4 || f.Delay[1].PushType != "voip" || f.Delay[2].Token != testDevice ||
			len(f.HoldWhileOffline) != 3 || f.Reorder[1].N != 3):
			t.Errorf("parsed %+v", f)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v: error %v, want %q", tc, err, tc.want)
		}
	}
}

func ctxWithin(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// TestForwardAccounting: every push the engine took leaves it, delivered,
// replaced or dropped, so the hook's lock-free path comes back.
func TestForwardAccounting(t *testing.T) {
	f := newFixture(t, func(c *Config) {
		c.Faults.Forward = Forward{HoldWhileOffline: []Selector{{}}, Delay: []DelayRule{{Delay: time.Millisecond}}, Reorder: []ReorderRule{{N: 2}}}
	})
	ps := f.pusher(t)
	a, b := ps.send(t, zeroTo), ps.send(t, zeroTo)
	f.events.wait(t, "replaced", named(a, "replaced"))
	f.events.wait(t, "held", named(b, "held"))
	link := make(chanLink, 4)
	defer f.s.Connect(testDevice, link)()
	c := ps.send(t, alertTo)
	for range 2 {
		link.next(t)
	}
	if err := f.s.Settle(ctxWithin(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	f.events.wait(t, "delivered", named(c, "delivered"))
	if n := f.s.fwd.inEngine.Load(); n != 0 {
		t.Fatalf("%d pushes still counted in the engine", n)
	}
}
