package apnsmock

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestTraceParentOfAsEncodingJSON: the one-pass read of "traceparent"
// answers what json.Unmarshal into a struct answers, or defers to it.
func TestTraceParentOfAsEncodingJSON(t *testing.T) {
	const tp = `00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01`
	for _, body := range []string{
		`{"aps":{"alert":{"title":"x"}},"vpe":{"ct":"abc"},"traceparent":"` + tp + `"}`,
		`{"traceparent":"` + tp + `","traceparent":"00-11111111111111111111111111111111-b7ad6b7169203331-01"}`,
		`{"TraceParent":"` + tp + `"}`,
		`{"traceparent":null}`,
		`{"traceparent":12}`,
		`{"traceparent":"\u0030` + tp[1:] + `"}`,
		`{"traceparent":"` + tp + `"`,
		`["traceparent"]`,
		`{"x":{"traceparent":"` + tp + `"}}`,
		"{\"traceparent\":\"00-0af7651916cd43dd8448eb211c8031\xff-b7ad6b7169203331-01\"}",
		`null`,
	} {
		var p struct {
			TraceParent string `json:"traceparent"`
		}
		want := ""
		if json.Unmarshal([]byte(body), &p) == nil {
			want = p.TraceParent
		}
		got, ok := traceParentOf([]byte(body))
		if ok && got != want {
			t.Errorf("%s: got %q, encoding/json %q", body, got, want)
		}
		if w := traceIDOf([]byte(body)); strings.Contains(body, `"traceparent"`) && len(want) == 55 && w != want[3:35] {
			t.Errorf("%s: trace id %q", body, w)
		}
	}
}
