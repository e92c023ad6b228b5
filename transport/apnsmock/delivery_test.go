package apnsmock

import (
	"strconv"
	"testing"
	"time"

	"github.com/sideshow/apns2"

	"github.com/callscope/callscope/flow"
)

type chanLink chan flow.Push

func (c chanLink) Deliver(p flow.Push) { c <- p }

func (c chanLink) next(t *testing.T) flow.Push {
	t.Helper()
	select {
	case p := <-c:
		return p
	case <-time.After(5 * time.Second):
		t.Fatal("no push delivered within 5 s")
	}
	return flow.Push{}
}

// TestDelivery: online devices get pushes at once; an offline device keeps
// only the latest per bundle id; apns-expiration 0 is delivered once or
// dropped; a stored push that expired is dropped on reconnect.
func TestDelivery(t *testing.T) {
	tests := []struct {
		name      string
		online    bool
		exps      []string // apns-expiration of each push ("" none)
		advance   time.Duration
		wantNames []string // apns events per push after the answer
		delivered int      // index of the push delivered on (re)connect, -1 none
	}{
		{"online", true, []string{""}, 0, []string{"delivered"}, 0},
		{"online, expiration 0", true, []string{"0"}, 0, []string{"delivered"}, 0},
		{"offline, expiration 0 dropped", false, []string{"0"}, 0, []string{"dropped"}, -1},
		{"offline keeps the latest", false, []string{"", ""}, 0, []string{"replaced", "stored"}, 1},
		{"offline, expired meanwhile", false, []string{"+60"}, 2 * time.Minute, []string{"stored"}, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := time.Now()
			var offset time.Duration
			f := newFixture(t, func(c *Config) { c.Now = func() time.Time { return base.Add(offset) } })
			link := make(chanLink, 4)
			if tc.online {
				defer f.s.Connect(testDevice, link)()
			}
			c := f.raw()
			jwt := f.jwt(t)
			var ids []string
			for _, e := range tc.exps {
				hdr := [][2]string{{"authorization", "bearer " + jwt}, {"apns-topic", testTopic}}
				if e == "+60" {
					e = strconv.FormatInt(base.Add(time.Minute).Unix(), 10)
				}
				if e != "" {
					hdr = append(hdr, [2]string{"apns-expiration", e})
				}
				r := f.do(t, c, "POST", "/3/device/"+testDevice, hdr, body)
				if r.status != 200 {
					t.Fatalf("push: %d %s", r.status, r.body)
				}
				ids = append(ids, r.header.Get("apns-id"))
			}
			for i, name := range tc.wantNames {
				f.events.wait(t, name, named(ids[i], name))
			}
			if tc.online {
				if p := link.next(t); p.ApnsID != ids[tc.delivered] {
					t.Errorf("delivered %s, want %s", p.ApnsID, ids[tc.delivered])
				}
				return
			}
			offset = tc.advance
			defer f.s.Connect(testDevice, link)()
			if tc.delivered >= 0 {
				if p := link.next(t); p.ApnsID != ids[tc.delivered] {
					t.Errorf("on reconnect delivered %s, want %s", p.ApnsID, ids[tc.delivered])
				}
			} else if len(tc.exps) > 0 && tc.advance > 0 {
				f.events.wait(t, "dropped", named(ids[0], "dropped"))
			}
			select {
			case p := <-link:
				t.Errorf("unexpected delivery %s", p.ApnsID)
			default:
			}
		})
	}
}

// TestSimDevice: the stand-in iPhone records, per apns-id, whether the NSE
// runs and when a collapse id replaces a shown notification.
func TestSimDevice(t *testing.T) {
	tests := []struct {
		name, payload, collapse string
		pushType                apns2.EPushType
		topic                   string
		wantName, wantNote      string
	}{
		{"nse runs", `{"aps":{"alert":{"title":"New message"},"mutable-content":1}}`, "", apns2.PushTypeAlert, testTopic, "nse-run", ""},
		{"no mutable-content", `{"aps":{"alert":{"title":"New message"}}}`, "", apns2.PushTypeAlert, testTopic, "nse-not-run", "NSE not run: no mutable-content"},
		{"no alert text", `{"aps":{"alert":{},"mutable-content":1}}`, "", apns2.PushTypeAlert, testTopic, "nse-not-run", "NSE not run: no alert title, subtitle or body"},
		{"voip", `{"call":1}`, "", apns2.PushTypeVOIP, testTopic + ".voip", "pushkit-delivered", ""},
		{"collapse id replaces", `{"aps":{"alert":{"title":"x"},"mutable-content":1}}`, "call-1", apns2.PushTypeAlert, testTopic, "notification-replaced", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var f *fixture
			f = newFixture(t, func(c *Config) {
				c.APNsDevices, c.VoIPDevices, c.AnyDevice = nil, nil, true
				c.NewDevice = func(tok string) Link { return &SimDevice{Token: tok, Sink: f.events} }
			})
			c := f.client(t)
			n := &apns2.Notification{DeviceToken: testDevice, Topic: tc.topic, PushType: tc.pushType, CollapseID: tc.collapse, Payload: tc.payload}
			sends := 1
			if tc.collapse != "" {
				sends = 2
			}
			var res *apns2.Response
			for i := 0; i < sends; i++ {
				var err error
				if res, err = c.Push(n); err != nil || res.StatusCode != 200 {
					t.Fatalf("%+v %v", res, err)
				}
			}
			e := f.events.wait(t, tc.wantName, named(res.ApnsID, tc.wantName))
			if e.Attrs["note"] != tc.wantNote && tc.wantNote != "" {
				t.Errorf("note %q, want %q", e.Attrs["note"], tc.wantNote)
			}
		})
	}
}
