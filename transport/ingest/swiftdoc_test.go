package ingest_test

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/transport/ingest"
)

// swiftDoc is docs/ingest-swift.md split into its fenced blocks by language.
func swiftDoc(t *testing.T) map[string][]string {
	t.Helper()
	b, err := os.ReadFile("../../docs/ingest-swift.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := map[string][]string{}
	for _, m := range regexp.MustCompile("(?ms)^```(\\w+)\n(.*?)^```").FindAllStringSubmatch(string(b), -1) {
		blocks[m[1]] = append(blocks[m[1]], m[2])
	}
	if len(blocks["swift"]) < 3 || len(blocks["ndjson"]) < 2 {
		t.Fatalf("docs/ingest-swift.md: %d swift and %d ndjson blocks", len(blocks["swift"]), len(blocks["ndjson"]))
	}
	return blocks
}

// TestSwiftDocSamples keeps docs/ingest-swift.md honest: its sample lines
// decode with the endpoint's decoder, each on the stage the Swift code posts
// it on; the answered call lands as one call under the trace id the phone
// derives from call_uuid, ringing then connected, on the phone's clock; and
// every key the Swift encoder writes is a field the endpoint reads.
func TestSwiftDocSamples(t *testing.T) {
	blocks := swiftDoc(t)
	code := strings.Join(blocks["swift"], "\n")

	// (name, stage) pairs the Swift code posts.
	posted := map[string]string{}
	pair := regexp.MustCompile(`stage: "(\w+)", name: "([\w-]+)"`)
	for _, m := range pair.FindAllStringSubmatch(code, -1) {
		posted[m[2]] = m[1]
	}
	for _, m := range regexp.MustCompile(`ring\.name = "([\w-]+)"`).FindAllStringSubmatch(code, -1) {
		posted[m[1]] = "callkit"
	}
	for _, m := range regexp.MustCompile(`post\(action\.callUUID, name: "([\w-]+)"`).FindAllStringSubmatch(code, -1) {
		posted[m[1]] = "callkit" // CallManager.post posts on callkit
	}
	if len(posted) < 8 {
		t.Fatalf("found %d posted events in the Swift code: %v", len(posted), posted)
	}

	now := time.Now()
	for i, block := range blocks["ndjson"] {
		evs, errs := ingest.Decode([]byte(block), now)
		if len(errs) > 0 {
			t.Fatalf("ndjson block %d: %v", i+1, errs)
		}
		for _, e := range evs {
			stage, ok := posted[e.Name]
			if !ok {
				t.Errorf("sample %q is not an event the Swift code posts", e.Name)
			} else if string(e.Stage) != stage {
				t.Errorf("sample %q on stage %s, the Swift code posts it on %s", e.Name, e.Stage, stage)
			}
			if e.Clock != "device:bob-iphone" || e.Time.Equal(now) {
				t.Errorf("sample %q: clock %q, time %v: want the phone's clock and time", e.Name, e.Clock, e.Time)
			}
			if e.Diagnosis != nil && (e.Outcome != flow.OutcomeFailed || e.Diagnosis.Stage != e.Stage) {
				t.Errorf("sample %q: a failure must end the request on its own stage: %+v", e.Name, e)
			}
		}
	}

	// The answered call: one call, under the trace id of its call_uuid.
	evs, _ := ingest.Decode([]byte(blocks["ndjson"][0]), now)
	calls := flow.NewCalls()
	for _, e := range evs {
		calls.AddObserved(e)
		if want := envelope.TraceIDOf(envelope.Plaintext{CallUUID: e.CallID}); e.TraceID != want {
			t.Errorf("%s: trace_id %s, but the phone derives %s from call_uuid %s", e.Name, e.TraceID, want, e.CallID)
		}
	}
	c, _ := calls.Get(evs[0].TraceID)
	if calls.Len() != 1 || c.Outcome != flow.OutcomeConnected || c.Stage != flow.StageCallKit {
		t.Fatalf("the answered sample: %d calls, %+v", calls.Len(), c)
	}
	// All on the phone's clock: the phone's hops are measured.
	for _, s := range []flow.Stage{flow.StageExtension, flow.StageCallKit} {
		if _, ok := c.Latency.Get(s); !ok {
			t.Errorf("%s: not measured on the phone's clock: %+v", s, c.Latency)
		}
	}

	// The keys the Swift encoder writes are fields the endpoint reads.
	keys := regexp.MustCompile(`(?s)enum CodingKeys: String, CodingKey \{(.*?)\}`).FindStringSubmatch(code)
	if keys == nil {
		t.Fatal("no CodingKeys in the Swift code")
	}
	fields := map[string]bool{}
	et := reflect.TypeOf(flow.Event{})
	for i := range et.NumField() {
		fields[strings.Split(et.Field(i).Tag.Get("json"), ",")[0]] = true
	}
	for _, k := range regexp.MustCompile(`(\w+)(?: = "(\w+)")?`).FindAllStringSubmatch(keys[1], -1) {
		if k[1] == "case" {
			continue
		}
		name := k[1]
		if k[2] != "" {
			name = k[2]
		}
		if !fields[name] {
			t.Errorf("the Swift code writes %q, which the endpoint ignores", name)
		}
	}
}
