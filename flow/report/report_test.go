package report

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
)

var allStages = map[flow.Stage]time.Duration{
	flow.StageSender: 1500 * time.Microsecond, flow.StageServer: 800 * time.Microsecond, flow.StageAPNs: 2 * time.Millisecond,
	flow.StageExtension: 300 * time.Microsecond, flow.StageCallKit: 40 * time.Microsecond,
}

func connected() flow.Call {
	return flow.Call{TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", CallID: "6B29FC40-CA47-1067-B31D-00DD010662DA", ApnsID: "A-1",
		Kind: flow.KindCall, Outcome: flow.OutcomeConnected, Stage: flow.StageCallKit,
		Latency: flow.Latency{Stages: allStages, Total: 4640 * time.Microsecond,
			Simulated: map[string]time.Duration{"app-launch": 350 * time.Millisecond, "answered": 2 * time.Second}}}
}

func failedAtAPNs() flow.Call {
	return flow.Call{TraceID: "0af7651916cd43dd8448eb211c80319c", Kind: flow.KindCall, Outcome: flow.OutcomeFailed, Stage: flow.StageAPNs,
		Latency: flow.Latency{Stages: map[flow.Stage]time.Duration{flow.StageSender: time.Millisecond, flow.StageServer: time.Millisecond,
			flow.StageAPNs: 3 * time.Millisecond}, Total: 5 * time.Millisecond},
		Diag: &flow.Diagnosis{Stage: flow.StageAPNs, Code: flow.CodeAPNsRejected, Apple: "BadDeviceToken",
			Detail: "400 BadDeviceToken", Hint: "sandbox token on the production host?"}}
}

func keys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// TestCallJSON: latency_us has one key per stage reached, named as the
// stages are (sender, server, apns, extension, callkit), in microseconds.
func TestCallJSON(t *testing.T) {
	tests := []struct {
		name   string
		call   flow.Call
		stages []string
		apple  string
	}{
		{"connected", connected(), []string{"apns", "callkit", "extension", "sender", "server"}, ""},
		{"failed at apns", failedAtAPNs(), []string{"apns", "sender", "server"}, "BadDeviceToken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(ToJSON(tt.call))
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				TraceID   string             `json:"trace_id"`
				CallUUID  string             `json:"call_uuid"`
				Outcome   string             `json:"outcome"`
				LatencyUS map[string]float64 `json:"latency_us"`
				TotalUS   float64            `json:"total_us"`
				Simulated map[string]float64 `json:"simulated_ms"`
				Diagnosis *struct {
					Stage, Code, Apple, Hint string
				} `json:"diagnosis"`
			}
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if k := keys(got.LatencyUS); !slices.Equal(k, tt.stages) {
				t.Fatalf("latency_us keys %v, want %v\n%s", k, tt.stages, b)
			}
			for s, d := range tt.call.Latency.Stages {
				if got.LatencyUS[string(s)] != float64(d.Microseconds()) {
					t.Errorf("%s: %v µs, want %d", s, got.LatencyUS[string(s)], d.Microseconds())
				}
			}
			if got.TotalUS != float64(tt.call.Latency.Total.Microseconds()) || got.TraceID != tt.call.TraceID || got.Outcome != string(tt.call.Outcome) {
				t.Errorf("call fields: %s", b)
			}
			if tt.apple == "" {
				if got.Diagnosis != nil || got.Simulated["answered"] != 2000 || got.Simulated["app_launch"] != 350 || got.CallUUID == "" {
					t.Errorf("connected call: %s", b)
				}
			} else if got.Diagnosis == nil || got.Diagnosis.Apple != tt.apple || got.Diagnosis.Stage != "apns" || got.Diagnosis.Hint == "" || got.Simulated != nil {
				t.Errorf("failed call: %s", b)
			}
		})
	}
}

func TestSummaryJSON(t *testing.T) {
	s := flow.NewSummary()
	s.Add(connected())
	s.Add(failedAtAPNs())
	b, err := json.Marshal(Output{Calls: []CallJSON{ToJSON(connected())}, Summary: SummaryToJSON(s, 2*time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Calls   []json.RawMessage `json:"calls"`
		Summary struct {
			Calls    int                                   `json:"calls"`
			Outcomes map[string]int                        `json:"outcomes"`
			Stages   map[string]map[string]json.RawMessage `json:"stages"`
			Rate     float64                               `json:"calls_per_s"`
			Wall     float64                               `json:"wall_ms"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	sm := got.Summary
	if len(got.Calls) != 1 || sm.Calls != 2 || sm.Outcomes["connected"] != 1 || sm.Outcomes["failed"] != 1 || sm.Rate != 1 || sm.Wall != 2000 {
		t.Fatalf("summary %s", b)
	}
	if k := keys(sm.Stages); !slices.Equal(k, []string{"apns", "callkit", "extension", "sender", "server"}) {
		t.Fatalf("stages %v", k)
	}
	for st, p := range sm.Stages {
		if k := keys(p); !slices.Equal(k, []string{"n", "p50_us", "p95_us", "p99_us"}) {
			t.Fatalf("%s: keys %v", st, k)
		}
	}
	if string(sm.Stages["callkit"]["n"]) != "1" || string(sm.Stages["apns"]["n"]) != "2" {
		t.Fatalf("per-stage counts: %s", b)
	}
}

func TestTable(t *testing.T) {
	var buf bytes.Buffer
	tb := NewTable(&buf)
	s := flow.NewSummary()
	for _, c := range []flow.Call{connected(), failedAtAPNs()} {
		tb.Row(c)
		s.Add(c)
	}
	if err := tb.Summary(s, time.Second); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	rows := strings.Split(out, "\n")
	if h := strings.Fields(rows[0]); !slices.Equal(h, []string{"TRACE", "CALL", "UUID", "KIND", "OUTCOME", "SENDER", "SERVER", "APNS", "EXTENSION", "CALLKIT", "TOTAL", "SIMULATED"}) {
		t.Fatalf("header %q", rows[0])
	}
	ok := strings.Fields(rows[1])
	if !slices.Equal(ok[:10], []string{"4bf92f35", "6B29FC40", "call", "connected", "1.5ms", "800µs", "2ms", "300µs", "40µs", "4.64ms"}) {
		t.Fatalf("connected row %q", rows[1])
	}
	if !strings.HasSuffix(rows[1], "answered 2s, app-launch 350ms (sim)") {
		t.Fatalf("simulated time not apart and labelled: %q", rows[1])
	}
	// No call UUID: the column is blank, so Fields skips it.
	bad := strings.Fields(rows[2])
	if !slices.Equal(bad, []string{"0af76519", "call", "failed@apns", "1ms", "1ms", "3ms", "—", "—", "5ms"}) {
		t.Fatalf("failed row %q", rows[2])
	}
	for _, want := range []string{
		"✗ apns: APNS_REJECTED (BadDeviceToken): 400 BadDeviceToken",
		"hint: sandbox token on the production host?",
		"STAGE", "total (measured)",
		"2 requests: 1 connected, 1 failed in 1s wall (2/s)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	for _, st := range flow.Stages {
		found := false
		for _, r := range rows {
			if f := strings.Fields(r); len(f) == 5 && f[0] == string(st) {
				found = true
			}
		}
		if !found {
			t.Errorf("no summary row for %s:\n%s", st, out)
		}
	}
}
