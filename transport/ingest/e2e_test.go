package ingest_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/bus"
	"github.com/callscope/callscope/transport/apnsmock"
	"github.com/callscope/callscope/transport/ingest"
)

// TestIngestSinkToServer drives the client the mock uses against the server
// over loopback HTTP, into a bus as the screen wires it: more events than one
// batch holds, with the token, and secrets that must not come out of the bus.
func TestIngestSinkToServer(t *testing.T) {
	const token = "e2e-token-0123456789"
	const n = 300 // the client batches 256
	jwt := "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJURUFNMTIzNDU2In0.MEUCIQDabcdefghijklmnopqrstuvwxyz0123456789"
	for _, tc := range []struct {
		name        string
		clientToken string
		want        int  // events out of the bus
		closeErr    bool // the client reports undelivered events
	}{
		{"right token", token, n, false},
		{"wrong token", "not-it", 0, true},
		{"no token", "", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := bus.New()
			defer b.Close()
			sub := b.Subscribe(2 * n)
			srv, err := ingest.Start(ingest.Config{Token: token, Sink: b})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			cl, err := apnsmock.NewIngestSink(srv.URL(), tc.clientToken)
			if err != nil {
				t.Fatal(err)
			}
			tid := "0af7651916cd43dd8448eb211c80319c"
			for i := range n {
				cl.Emit(flow.Event{TraceID: tid, ApnsID: fmt.Sprint(i), Stage: flow.StageAPNs, Name: "received",
					Time: time.Now(), Attrs: map[string]string{"authorization": "bearer " + jwt, "note": jwt}})
			}
			// Close returns once every batch has been answered, and the
			// server emits before it answers: what arrived is in the bus.
			if err := cl.Close(); (err != nil) != tc.closeErr {
				t.Fatalf("client Close: %v, want error %v", err, tc.closeErr)
			}
			deadline := time.After(5 * time.Second)
			for i := range tc.want {
				select {
				case e := <-sub.Events():
					if e.TraceID != tid || e.ApnsID != fmt.Sprint(i) {
						t.Fatalf("event %d: %+v", i, e)
					}
					if e.Attrs["authorization"] != flow.Redacted || strings.Contains(e.Attrs["note"], jwt) {
						t.Fatalf("secret through the endpoint: %v", e.Attrs)
					}
				case <-deadline:
					t.Fatalf("%d of %d events arrived", i, tc.want)
				}
			}
			st := srv.Stats()
			if st.Accepted != uint64(tc.want) || b.Published() != uint64(tc.want) {
				t.Errorf("stats %+v, bus published %d, want %d", st, b.Published(), tc.want)
			}
			if tc.want == 0 && st.Refused == 0 {
				t.Errorf("stats %+v: want refused requests", st)
			}
			if !strings.Contains(srv.Status(), fmt.Sprintf("%d accepted", tc.want)) {
				t.Errorf("status %q", srv.Status())
			}
		})
	}
}
