package tracediff

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
)

func TestParseFailOn(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want []Rule
		err  string
	}{
		{expr: "p95(apns)>+20%", want: []Rule{{Text: "p95(apns)>+20%", Kind: KindLatency, Q: 95, Stage: "apns", Pct: 20, IsPct: true}}},
		{expr: "p99(total)>+50ms, outcome ,diagnosis,push", want: []Rule{
			{Text: "p99(total)>+50ms", Kind: KindLatency, Q: 99, Stage: "total", Abs: 50 * time.Millisecond},
			{Text: "outcome", Kind: KindOutcome}, {Text: "diagnosis", Kind: KindDiagnosis}, {Text: "push", Kind: KindPush}}},
		{expr: "p99.9( extension ) > 1.5s", want: []Rule{{Text: "p99.9( extension ) > 1.5s", Kind: KindLatency, Q: 99.9, Stage: "extension", Abs: 1500 * time.Millisecond}}},
		{expr: "p50(server)>+0%", want: []Rule{{Text: "p50(server)>+0%", Kind: KindLatency, Q: 50, Stage: "server", IsPct: true}}},
		{expr: "", err: "empty expression"},
		{expr: "outcome,", err: `"": empty term`},
		{expr: "p95(apn)>+20%", err: `"p95(apn)>+20%": unknown stage "apn"`},
		{expr: "p0(apns)>+20%", err: `percentile "p0"`},
		{expr: "p101(apns)>+20%", err: `percentile "p101"`},
		{expr: "pNaN(apns)>+1%", err: `percentile "pNaN"`},
		{expr: "p95(apns)<+20%", err: "want > after the stage"},
		{expr: "p95(apns)>+20", err: `limit "20"`},
		{expr: "p95(apns)>-20%", err: `limit "-20%"`},
		{expr: "p95(apns)>+1e3%", err: `limit "1e3%"`},
		{expr: "p95(apns)>+Inf%", err: `limit "Inf%"`},
		{expr: "p95(apns>+20%", err: "no closing parenthesis"},
		{expr: "latency", err: `"latency": not a term`},
		{expr: "p95(apns)>+1h30m", err: `limit "1h30m"`},
	} {
		got, err := ParseFailOn(tc.expr)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want one containing %q", tc.expr, err, tc.err)
			}
		case err != nil:
			t.Errorf("%q: %v", tc.expr, err)
		case !slices.Equal(got, tc.want):
			t.Errorf("%q:\n got %+v\nwant %+v", tc.expr, got, tc.want)
		}
	}
}

// FuzzParseFailOn: any expression parses or is refused with an error that
// quotes a term; none panics, and what parses is well formed.
func FuzzParseFailOn(f *testing.F) {
	for _, s := range []string{"p95(apns)>+20%", "outcome,push", "p99.9(total)>+5ms", "p(", "p95(apns)>", ",,", "p1e9(apns)>+1%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rs, err := ParseFailOn(s)
		if err != nil {
			if len(rs) != 0 {
				t.Fatalf("%q: rules and an error", s)
			}
			return
		}
		for _, r := range rs {
			switch r.Kind {
			case KindOutcome, KindDiagnosis, KindPush:
			case KindLatency:
				if !(r.Q > 0 && r.Q <= 100) || r.Pct < 0 || math.IsNaN(r.Pct) || math.IsInf(r.Pct, 0) || r.Abs < 0 {
					t.Fatalf("%q: bad rule %+v", s, r)
				}
				if _, err := flow.ParseStage(r.Stage); err != nil && r.Stage != Total {
					t.Fatalf("%q: stage %q", s, r.Stage)
				}
			default:
				t.Fatalf("%q: kind %q", s, r.Kind)
			}
		}
	})
}
