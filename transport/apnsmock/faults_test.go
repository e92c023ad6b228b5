package apnsmock

import (
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// TestConnectionFaults drives each connection-level fault with a frame-level
// client, which sees the GOAWAY and resets that HTTP clients hide or retry.
func TestConnectionFaults(t *testing.T) {
	tests := []struct {
		name       string
		mod        func(*Config)
		cert       bool
		pushes     int    // sent one after another
		wantStatus string // of the last push ("" = none)
		wantLast   uint32 // GOAWAY Last-Stream-ID
		wantDebug  string // GOAWAY debug data ("" = no GOAWAY expected, closed only)
	}{
		{"shutdown", func(c *Config) { c.Faults.Shutdown = true }, false, 1, "503", 1, `{"reason":"Shutdown"}`},
		{"goaway with chosen last stream", func(c *Config) { c.Faults.GoAway = &GoAwayFault{After: 2, LastStreamID: 1} }, false, 2, "200", 1, `{"reason":"Shutdown"}`},
		{"goaway last stream 0", func(c *Config) { c.Faults.GoAway = &GoAwayFault{LastStreamID: 0, Reason: "ServiceUnavailable"} }, false, 1, "200", 0, `{"reason":"ServiceUnavailable"}`},
		{"stall until idle timeout", func(c *Config) { c.Faults.Stall, c.IdleTimeout = true, 30*time.Millisecond }, false, 1, "400", 1, `{"reason":"IdleTimeout"}`},
		{"idle connection", func(c *Config) { c.IdleTimeout = 30 * time.Millisecond }, false, 1, "200", 1, `{"reason":"IdleTimeout"}`},
		{"reset", func(c *Config) { c.Faults.ResetAfter = 1 }, false, 2, "", 0, ""},
		{"certificate environment", func(c *Config) { c.Faults.CertEnvironmentMismatch = true }, true, 1, "", 0, `{"reason":"BadCertificateEnvironment"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.mod)
			var c *h2client
			if tc.cert {
				cert, err := f.s.IssueClientCert(ClientCertOptions{BundleID: testTopic})
				if err != nil {
					t.Fatal(err)
				}
				c = dialH2(t, f, cert)
			} else {
				c = dialH2(t, f)
			}
			jwt := f.jwt(t)
			var l *frameLog
			var id uint32
			for i := 0; i < tc.pushes; i++ {
				id = c.push("/3/device/"+testDevice, pushHeaders(jwt), body)
				l = c.readUntil(func(l *frameLog) bool { return l.status[id] != "" || l.goAway != nil || l.closed })
			}
			if l.status[id] != tc.wantStatus {
				t.Errorf("last push answered %q, want %q", l.status[id], tc.wantStatus)
			}
			if l.goAway == nil && !l.closed {
				l = c.readUntil(func(l *frameLog) bool { return l.goAway != nil || l.closed })
			}
			if tc.wantDebug == "" {
				if l.goAway != nil || !l.closed {
					t.Errorf("want a bare close, got %+v", l)
				}
				return
			}
			if l.goAway == nil {
				t.Fatalf("no GOAWAY: %+v", l)
			}
			if l.goAway.LastStreamID != tc.wantLast || l.goAwayData != tc.wantDebug || l.goAway.ErrCode != http2.ErrCodeNo {
				t.Errorf("GOAWAY last=%d code=%v debug=%s, want last=%d debug=%s", l.goAway.LastStreamID, l.goAway.ErrCode, l.goAwayData, tc.wantLast, tc.wantDebug)
			}
		})
	}
}

// TestLatencyFault: the answer comes no sooner than the injected latency.
func TestLatencyFault(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Faults.Latency = 80 * time.Millisecond })
	c := f.client(t)
	start := time.Now()
	res, err := c.Push(alertPush(testDevice))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("%+v %v", res, err)
	}
	if d := time.Since(start); d < 80*time.Millisecond {
		t.Errorf("answered after %v, want at least the injected 80ms", d)
	}
	f.s.SetFaults(Faults{})
	start = time.Now()
	if _, err := c.Push(alertPush(testDevice)); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d >= 80*time.Millisecond {
		t.Errorf("after SetFaults(Faults{}) still %v", d)
	}
}
