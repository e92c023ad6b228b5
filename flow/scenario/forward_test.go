package scenario

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
)

// TestFaultsAtAPNs: F-18 and F-20 fail at APNs because the mock's
// store-and-forward fault held or reordered the push, as its events show; the
// sender stages nothing (no backdated clock, no hang-up posted first), and
// with the fault off APNs is blamed for nothing.
func TestFaultsAtAPNs(t *testing.T) {
	lib, _ := NewLibrary()
	tests := []struct {
		name   string
		code   flow.Code
		fault  string   // what the diagnosis says the mock did
		events []string // the mock's, at the APNs stage
		off    func(*Scenario)
		// offCode is APNs's diagnosis with the fault off: none, or, for a
		// push Apple says is dropped, that drop.
		offCode flow.Code
	}{
		{"late-delivery", flow.CodeDeliveredLate, "delay 20s", []string{"held", "released"}, func(s *Scenario) { s.APNs.Delay = nil }, ""},
		{"hangup-before-invite", flow.CodeOutOfOrder, "reorder 2", []string{"held", "reordered", "released"}, func(s *Scenario) { s.APNs.Reorder = nil }, ""},
		{"late-delivery-past-ttl", flow.CodeDeliveredLate, "delay 1m30s", []string{"held", "released"}, func(s *Scenario) { s.APNs.Delay = nil }, ""},
		{"late-delivery-expiration-zero", flow.CodeDeliveredLate, "hold-while-offline, delay 25s", []string{"held", "released"},
			func(s *Scenario) { s.APNs.HoldWhileOffline = nil }, flow.CodeNotDelivered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := lib.Get(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if s.Sender.Backdate != 0 || s.Sender.Hangup == "before" {
				t.Fatalf("the sender stages the fault: %+v", s.Sender)
			}
			r := Run(context.Background(), s)
			if r.Observed == nil || r.Observed.Stage != flow.StageAPNs || r.Observed.Code != tt.code ||
				!strings.Contains(r.Observed.Detail, "mock fault: "+tt.fault) {
				t.Fatalf("diagnosis %v, want apns %s\n%s", r.Observed, tt.code, dump(r.Events))
			}
			seen := map[string]flow.Event{}
			for _, e := range r.Events {
				if e.Stage == flow.StageAPNs && e.Attrs["fault"] != "" {
					seen[e.Name] = e
				}
			}
			for _, name := range tt.events {
				if _, ok := seen[name]; !ok {
					t.Fatalf("no mock %q event naming its fault\n%s", name, dump(r.Events))
				}
			}
			if rel := seen["released"]; tt.name != "hangup-before-invite" && (!rel.Simulated || rel.Duration < 20*time.Second || !strings.HasSuffix(rel.Attrs["held"], "s (simulated)")) {
				t.Fatalf("a virtual run's delay must pass in simulated time, labelled so: %+v", rel)
			}

			tt.off(&s)
			r = Run(context.Background(), s)
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			if tt.offCode != "" {
				if r.Observed == nil || r.Observed.Code != tt.offCode {
					t.Fatalf("fault off: %v, want %s\n%s", r.Observed, tt.offCode, dump(r.Events))
				}
				return
			}
			if r.Observed != nil && r.Observed.Stage == flow.StageAPNs {
				t.Fatalf("fault off, APNs still blamed: %v\n%s", r.Observed, dump(r.Events))
			}
			if strings.HasPrefix(tt.name, "late-delivery") && (r.Observed != nil || r.Call.Outcome != flow.OutcomeConnected) {
				t.Fatalf("fault off: %s %v, want a connected call", r.Call.Outcome, r.Observed)
			}
		})
	}
}

// TestREADMERowsNameTheMockFault: README's F-18 and F-20 rows name the mock
// fault that makes them fail.
func TestREADMERowsNameTheMockFault(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.Contains(line, "| F-18 |") && !strings.Contains(line, "| F-20 |") {
			continue
		}
		rows++
		if !strings.Contains(line, "| mock fault: `mock-apns --") {
			t.Errorf("row does not lead with the mock fault: %s", line)
		}
	}
	if rows < 2 {
		t.Fatalf("%d F-18/F-20 rows in README.md", rows)
	}
}

// TestHeldPastTheCallTimeout: a push the mock still holds when the caller
// gives up is diagnosed as held by that fault, not as lost.
func TestHeldPastTheCallTimeout(t *testing.T) {
	lib, _ := NewLibrary()
	s, _ := lib.Get("audio-call")
	s.Push.ExpirationZero, s.APNs.Offline, s.APNs.HoldWhileOffline = true, true, []string{"all"}
	r := Run(context.Background(), s)
	if o := r.Observed; o == nil || o.Stage != flow.StageAPNs || o.Code != flow.CodeNotDelivered || !strings.Contains(o.Detail, "mock fault: hold-while-offline") {
		t.Fatalf("diagnosis %v\n%s", r.Observed, dump(r.Events))
	}
}
