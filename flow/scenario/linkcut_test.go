package scenario

import (
	"context"
	"strings"
	"testing"

	"github.com/callscope/callscope/flow"
)

// TestLinkCutCutsALink: F-32's scenario links the iPhone to the mock over
// TLS and then closes that connection, a knob of the device's profile (power
// policy cutting apsd's connection), not of the mock: the mock sees the link
// drop and stores the push for that reason, and the diagnosis says the
// device's connection was cut.
func TestLinkCutCutsALink(t *testing.T) {
	lib, _ := NewLibrary()
	s, err := lib.Get("apns-link-cut")
	if err != nil {
		t.Fatal(err)
	}
	if s.Injects != InjectsProfile || s.APNs.Offline {
		t.Errorf("injects %q, apns.offline %v: the cut is the device's, and the device must link first", s.Injects, s.APNs.Offline)
	}
	if k := s.Knobs(); len(k) != 1 || k[0] != "profile.apns_link_cut" {
		t.Errorf("knobs %v, want [profile.apns_link_cut]", k)
	}
	r := Run(context.Background(), s)
	if !r.Pass() {
		t.Fatalf("%s: %s %v\n%s", s.Name, r.Mismatch(), r.Err, dump(r.Events))
	}
	var stored *flow.Event
	for i, e := range r.Events {
		if e.Stage == flow.StageAPNs && e.Name == "stored" {
			stored = &r.Events[i]
		}
	}
	if stored == nil || !strings.Contains(stored.Attrs["why"], "connection to APNs (tls ") || !strings.Contains(stored.Attrs["why"], "dropped") {
		t.Fatalf("the mock stored the push for %v, want because the device's TLS link dropped\n%s", stored, dump(r.Events))
	}
	if d := r.Observed.Detail; !strings.Contains(d, "connection to APNs was cut") || !strings.Contains(d, "apns_link_cut") {
		t.Errorf("diagnosis %q does not say the device's connection was cut", d)
	}
}
