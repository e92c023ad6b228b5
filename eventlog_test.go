package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
)

// TestEventLogLines: mock-apns's and device's logs share one printer and
// keep their own lines: the mock's name column and attributes, the device's
// wider column, durations and diagnosis codes.
func TestEventLogLines(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC)
	diag := &flow.Diagnosis{Stage: flow.StageExtension, Code: flow.CodeNSENotRun, Detail: "NSE not run"}
	tests := []struct {
		name string
		log  func(*bytes.Buffer) *eventLog
		e    flow.Event
		want string
	}{
		{"mock", func(b *bytes.Buffer) *eventLog { return mockLog(b) },
			flow.Event{Time: at, Stage: flow.StageAPNs, Name: "released", ApnsID: "A-1", Duration: time.Second,
				Attrs: map[string]string{"fault": "delay 1s", "status": "200", "title": "not shown"}, Diagnosis: diag},
			`03:04:05.006 apns      released             apns-id=A-1 status="200" fault="delay 1s" — NSE not run` + "\n"},
		{"device, measured", func(b *bytes.Buffer) *eventLog { return deviceLog(b) },
			flow.Event{Time: at, Stage: flow.StageExtension, Name: "nse-not-run", ApnsID: "A-2", Duration: 1500 * time.Microsecond,
				Attrs: map[string]string{"push_type": "alert", "status": "not shown"}, Diagnosis: diag},
			`03:04:05.006 extension nse-not-run                apns-id=A-2 took=` + flow.FormatDuration(1500*time.Microsecond) +
				` push_type="alert" — ` + string(flow.CodeNSENotRun) + ": NSE not run\n"},
		{"device, simulated", func(b *bytes.Buffer) *eventLog { return deviceLog(b) },
			flow.Event{Time: at, Stage: flow.StageCallKit, Name: "answered", Duration: 2 * time.Second, Simulated: true},
			"03:04:05.006 callkit   answered                   simulated=2s\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			tt.log(&b).Emit(tt.e)
			if b.String() != tt.want {
				t.Fatalf("got  %q\nwant %q", b.String(), tt.want)
			}
		})
	}
}
