package apnsmock

import (
	"testing"
)

// TestNoPushRecord: with NoPushRecord the events are the same but carry no
// push (its headers and payload): for mock-apns's log, which never reads it.
func TestNoPushRecord(t *testing.T) {
	for _, off := range []bool{false, true} {
		f := newFixture(t, func(c *Config) { c.NoPushRecord = off })
		id := "11111111-2222-3333-4444-555555555555"
		r := f.do(t, f.raw(), "POST", "/3/device/"+testDevice, [][2]string{{"authorization", "bearer " + f.jwt(t)},
			{"apns-topic", testTopic}, {"apns-push-type", "alert"}, {"apns-id", id}}, `{"aps":{"alert":"hi"}}`)
		if r.status != 200 {
			t.Fatalf("status %d %s", r.status, r.body)
		}
		rcv := f.events.wait(t, "received", named(id, "received"))
		ans := f.events.wait(t, "accepted", named(id, "accepted"))
		if (rcv.Push == nil) != off || (ans.Push == nil) != off {
			t.Errorf("NoPushRecord %v: received push %v, accepted push %v", off, rcv.Push, ans.Push)
		}
		if rcv.Attrs["topic"] != testTopic || ans.Attrs["status"] != "200" {
			t.Errorf("NoPushRecord %v: attributes %v %v", off, rcv.Attrs, ans.Attrs)
		}
	}
}
