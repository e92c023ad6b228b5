package threshold

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		expr string
		want Threshold // Expr is filled in by the test
		err  string    // a part of the error; "" for none
	}{
		{expr: "p95(apns)<50ms", want: Threshold{Stat: "p95", Subject: "apns", Op: "<", Value: 0.05, Duration: true}},
		{expr: " P99( Total ) <= 1.5s ", want: Threshold{Stat: "p99", Subject: "total", Op: "<=", Value: 1.5, Duration: true}},
		{expr: "p99.9(server)<2ms", want: Threshold{Stat: "p99.9", Subject: "server", Op: "<", Value: 0.002, Duration: true}},
		{expr: "max(callkit)<1s", want: Threshold{Stat: "max", Subject: "callkit", Op: "<", Value: 1, Duration: true}},
		{expr: "avg(pipeline)<=800us", want: Threshold{Stat: "avg", Subject: "pipeline", Op: "<=", Value: 0.0008, Duration: true}},
		{expr: "ratio(apns)>=0.9", want: Threshold{Stat: "ratio", Subject: "apns", Op: ">=", Value: 0.9}},
		{expr: "rate(pipeline)>=5000", want: Threshold{Stat: "rate", Subject: "pipeline", Op: ">=", Value: 5000}},
		{expr: "rate(pipeline)>5000/s", want: Threshold{Stat: "rate", Subject: "pipeline", Op: ">", Value: 5000}},
		{expr: "failed(total)==0", want: Threshold{Stat: "failed", Subject: "total", Op: "==", Value: 0}},
		{expr: "lost(soak)==0", want: Threshold{Stat: "lost", Subject: "soak", Op: "==", Value: 0}},
		{expr: "count(total)>=100", want: Threshold{Stat: "count", Subject: "total", Op: ">=", Value: 100}},
		{expr: "p95 apns < 50ms", err: "want STAT(SUBJECT) OP VALUE"},
		{expr: "(apns)<50ms", err: "want STAT(SUBJECT) OP VALUE"},
		{expr: "p95()<50ms", err: "subject in parentheses is empty"},
		{expr: "p95(apns)50ms", err: "one of < <= > >= =="},
		{expr: "p95(apns)<50", err: "must be a duration"},
		{expr: "p95(apns)<-5ms", err: "never negative"},
		{expr: "rate(apns)>=fast", err: "must be a number"},
		{expr: "rate(apns)>=NaN", err: "must be a number"},
		{expr: "ratio(apns)>=+Inf", err: "must be a number"},
		{expr: "p0(apns)<1s", err: "unknown statistic"},
		{expr: "p101(apns)<1s", err: "unknown statistic"},
		{expr: "median(apns)<1s", err: "unknown statistic"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			got, err := Parse(tt.expr)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Parse(%q) error %v, want one containing %q", tt.expr, err, tt.err)
				}
				if !strings.Contains(err.Error(), tt.expr) {
					t.Fatalf("error %q does not quote the threshold", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Expr = tt.expr
			if math.Abs(got.Value-tt.want.Value) > 1e-12 {
				t.Fatalf("value %v, want %v", got.Value, tt.want.Value)
			}
			got.Value = tt.want.Value
			if got != tt.want {
				t.Fatalf("Parse(%q) = %+v, want %+v", tt.expr, got, tt.want)
			}
		})
	}
}

type source map[string]float64

func (s source) Stat(stat, subject string) (float64, bool) {
	v, ok := s[stat+"("+subject+")"]
	return v, ok
}

func TestCheck(t *testing.T) {
	src := source{"p95(apns)": 0.040, "rate(pipeline)": 5000, "ratio(apns)": 0.89, "failed(total)": 0}
	tests := []struct {
		expr string
		pass bool
		have bool
		line string
	}{
		{"p95(apns)<50ms", true, true, "pass  p95(apns)<50ms  (got 40ms)"},
		{"p95(apns)<40ms", false, true, "FAIL  p95(apns)<40ms  (got 40ms)"},
		{"p95(apns)<=40ms", true, true, ""},
		{"rate(pipeline)>=5000", true, true, "pass  rate(pipeline)>=5000  (got 5000)"},
		{"rate(pipeline)>5000", false, true, ""},
		{"ratio(apns)>=0.9", false, true, "FAIL  ratio(apns)>=0.9  (got 0.89)"},
		{"ratio(apns)>0.8", true, true, ""},
		{"failed(total)==0", true, true, ""},
		{"p99(apns)<1s", false, false, "FAIL  p99(apns)<1s  (nothing measured for p99(apns))"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			th, err := Parse(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			rs := Check([]Threshold{th}, src)
			r := rs[0]
			if r.Pass != tt.pass || r.Have != tt.have {
				t.Fatalf("pass %v have %v, want %v %v", r.Pass, r.Have, tt.pass, tt.have)
			}
			if Failed(rs) == tt.pass {
				t.Fatalf("Failed = %v with pass %v", Failed(rs), tt.pass)
			}
			if tt.line != "" && r.String() != tt.line {
				t.Fatalf("String() = %q, want %q", r.String(), tt.line)
			}
			j := r.JSON()
			if j.Pass != tt.pass || (j.Got == nil) == tt.have || j.Expr != tt.expr {
				t.Fatalf("JSON() = %+v", j)
			}
		})
	}
}

func TestParseAllStopsAtTheFirstError(t *testing.T) {
	if _, err := ParseAll([]string{"p95(apns)<1s", "p95(apns)<1", "nonsense"}); err == nil || !strings.Contains(err.Error(), `"p95(apns)<1"`) {
		t.Fatalf("ParseAll error %v, want the second threshold named", err)
	}
	ts, err := ParseAll([]string{"p95(apns)<1s", "rate(x)>1"})
	if err != nil || len(ts) != 2 {
		t.Fatalf("ParseAll = %v, %v", ts, err)
	}
}

// FuzzParse: Parse never panics; what it accepts is well formed, checks
// without panicking, and means the same once written out again.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"p95(apns)<50ms", "rate(pipeline)>=5000", "ratio(apns)>=0.9", "max(total)<1s",
		"failed(total)==0", "p99.9(x)<=1h", "p95(apns)<", "((", ")(", "p1e1(a)>1s", "rate(a)>=1e308/s",
		"rate(a)>=NaN", "p95(a)<-1ms"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		th, err := Parse(expr)
		if err != nil {
			if !strings.Contains(err.Error(), "threshold ") {
				t.Fatalf("error %q does not say it is about a threshold", err)
			}
			return
		}
		if th.Subject == "" || th.Stat == "" || !strings.Contains(strings.Join(ops, " "), th.Op) || th.Op == "" {
			t.Fatalf("Parse(%q) accepted %+v", expr, th)
		}
		if math.IsNaN(th.Value) || math.IsInf(th.Value, 0) {
			t.Fatalf("Parse(%q) accepted value %v", expr, th.Value)
		}
		if th.Duration != isLatency(th.Stat) {
			t.Fatalf("Parse(%q): Duration %v for stat %q", expr, th.Duration, th.Stat)
		}
		if th.Duration && th.Value < 0 {
			t.Fatalf("Parse(%q): negative latency %v", expr, th.Value)
		}
		// Written out again, it parses to the same threshold.
		val := strings.TrimSuffix(strings.TrimSpace(expr[strings.LastIndex(expr, th.Op)+len(th.Op):]), "/s")
		if th.Duration {
			val = time.Duration(math.Round(th.Value * float64(time.Second))).String()
		}
		if strings.ContainsAny(th.Subject, "()") {
			return // a subject with parentheses cannot be written out again; no command accepts one
		}
		again, err := Parse(th.Stat + "(" + th.Subject + ")" + th.Op + val)
		if err != nil {
			t.Fatalf("Parse(%q) = %+v, but its canonical form fails: %v", expr, th, err)
		}
		if again.Stat != th.Stat || again.Subject != th.Subject || again.Op != th.Op || again.Duration != th.Duration ||
			math.Abs(again.Value-th.Value) > 1e-9*math.Max(1, math.Abs(th.Value)) {
			t.Fatalf("Parse(%q) = %+v, again %+v", expr, th, again)
		}
		if Check([]Threshold{th}, source{th.Stat + "(" + th.Subject + ")": 1})[0].String() == "" {
			t.Fatal("a checked threshold prints nothing")
		}
	})
}
