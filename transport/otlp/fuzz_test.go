package otlp

import (
	"testing"

	"github.com/callscope/callscope/flow"
)

// FuzzDecodeRequest: whatever a client posts decodes or is refused with a
// message, and what decodes becomes events or span errors; never a panic.
func FuzzDecodeRequest(f *testing.F) {
	traces, _ := Build(sampleEvents())
	js, _ := Marshal(traces, "fuzz")
	f.Add(js, false)
	pb, _ := mustProto(traces)
	f.Add(pb, true)
	f.Add([]byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz"}]}]}]}`), false)
	f.Add([]byte(`{"resourceSpans":[{"resource":{"attributes":[{"key":"a","value":{"intValue":"x"}}]}}]}`), false)
	f.Fuzz(func(t *testing.T, body []byte, proto bool) {
		td, err := DecodeRequest(body, proto)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an empty error message")
			}
			return
		}
		Events(td, func(e flow.Event) error {
			if e.Stage != flow.StageServer || len(e.TraceID) != 32 {
				t.Fatalf("event %+v", e)
			}
			return nil
		}, func(se SpanError) {
			if se.Span == "" || se.Error == "" {
				t.Fatalf("span error %+v", se)
			}
		})
	})
}

func mustProto(traces []Trace) ([]byte, error) {
	return ptraceotlpRequest(traces).MarshalProto()
}
