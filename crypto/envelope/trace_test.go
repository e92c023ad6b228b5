package envelope

import (
	"encoding/json"
	"testing"

	"github.com/callscope/callscope/internal/uuidtext"
)

// TestTraceIDOf: the trace id a phone posts its events under, from the
// sealed plaintext: trace_id when set, otherwise call_uuid's bytes; and
// CallUUIDFor is its inverse for callscope's sender.
func TestTraceIDOf(t *testing.T) {
	const tid = "4bf92f3577b34da6a3ce929d0e0e4736"
	tests := []struct {
		name string
		json string
		want string
	}{
		{"call_uuid is the trace id", `{"type":"call.invite","call_uuid":"4BF92F35-77B3-4DA6-A3CE-929D0E0E4736"}`, tid},
		{"lowercase call_uuid", `{"type":"call.invite","call_uuid":"4bf92f35-77b3-4da6-a3ce-929d0e0e4736"}`, tid},
		{"trace_id wins", `{"type":"call.invite","call_uuid":"E621E1F8-C36C-495A-93FC-0C247A3E6E5F","trace_id":"` + tid + `"}`, tid},
		{"a bad trace_id falls back to call_uuid", `{"type":"call.invite","call_uuid":"E621E1F8-C36C-495A-93FC-0C247A3E6E5F","trace_id":"XYZ"}`, "e621e1f8c36c495a93fc0c247a3e6e5f"},
		{"uppercase trace_id is not a trace id", `{"type":"message","trace_id":"4BF92F3577B34DA6A3CE929D0E0E4736"}`, ""},
		{"nil UUID", `{"type":"call.invite","call_uuid":"00000000-0000-0000-0000-000000000000"}`, ""},
		{"neither", `{"type":"message","text":"hi"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p Plaintext
			if err := json.Unmarshal([]byte(tt.json), &p); err != nil {
				t.Fatal(err)
			}
			if got := TraceIDOf(p); got != tt.want {
				t.Fatalf("TraceIDOf = %q, want %q", got, tt.want)
			}
		})
	}
	u := CallUUIDFor(tid)
	if u != "4BF92F35-77B3-4DA6-A3CE-929D0E0E4736" || !uuidtext.Valid(u) || TraceIDOf(Plaintext{CallUUID: u}) != tid {
		t.Fatalf("CallUUIDFor(%s) = %q", tid, u)
	}
	for _, bad := range []string{"", "00000000000000000000000000000000", "4BF92F3577B34DA6A3CE929D0E0E4736", tid[:31]} {
		if CallUUIDFor(bad) != "" {
			t.Errorf("CallUUIDFor(%q) = %q, want empty", bad, CallUUIDFor(bad))
		}
	}
}
