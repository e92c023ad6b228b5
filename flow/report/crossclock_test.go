package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
)

// TestCrossClockReport: a call whose APNs hop crosses to a phone's clock
// shows the hop as clock skew in the table (reached, not "—") and apart
// from the measured latencies in the JSON, and the summary's APNs
// percentiles do not count it.
func TestCrossClockReport(t *testing.T) {
	c := connected()
	c.Latency.Stages = map[flow.Stage]time.Duration{flow.StageSender: time.Millisecond, flow.StageServer: time.Millisecond,
		flow.StageExtension: time.Millisecond, flow.StageCallKit: time.Millisecond}
	c.Latency.CrossClock = map[flow.Stage]time.Duration{flow.StageAPNs: -4 * time.Millisecond}
	var buf bytes.Buffer
	NewTable(&buf).Row(c)
	if !strings.Contains(buf.String(), "clock skew (4ms behind)") {
		t.Errorf("table row %q: want the APNs hop as clock skew", buf.String())
	}
	b, _ := json.Marshal(ToJSON(c))
	var got struct {
		LatencyUS    map[string]float64 `json:"latency_us"`
		CrossClockUS map[string]float64 `json:"cross_clock_us"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if _, ok := got.LatencyUS["apns"]; ok || got.CrossClockUS["apns"] != -4000 {
		t.Errorf("JSON %s: want apns only under cross_clock_us", b)
	}
	s := flow.NewSummary()
	s.Add(c)
	if _, n := s.Percentile(flow.StageAPNs, 50); n != 0 {
		t.Errorf("summary counts the cross-device hop as %d measured APNs latencies", n)
	}
}
