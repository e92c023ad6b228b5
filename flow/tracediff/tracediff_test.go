package tracediff

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
)

var t0 = time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)

// spec is one synthetic call: ids, scenario, per-stage latency in ms
// (sender, server, apns, extension; callkit is instant) and how it ends.
type spec struct {
	trace, call, scenario string
	ms                    [4]float64
	outcome               flow.Outcome
	diag                  *flow.Diagnosis
	push                  *flow.PushRecord
}

// events builds the events of a call sent at offset n seconds.
func (s spec) events(n int) []flow.Event {
	at := t0.Add(time.Duration(n) * time.Second)
	ev := func(st flow.Stage, name string) flow.Event {
		e := flow.Event{TraceID: s.trace, CallID: s.call, Stage: st, Name: name, Time: at}
		if s.scenario != "" {
			e.Attrs = map[string]string{AttrScenario: s.scenario}
		}
		return e
	}
	var out []flow.Event
	names := []string{"compose", "request", "received", "launched"}
	for i, st := range flow.Stages[:4] {
		e := ev(st, names[i])
		if st == flow.StageAPNs {
			e.Push = s.push
		}
		out = append(out, e)
		at = at.Add(time.Duration(s.ms[i] * float64(time.Millisecond)))
		if s.diag != nil && s.diag.Stage == st {
			f := ev(st, "failed")
			f.Diagnosis, f.Outcome = s.diag, flow.OutcomeFailed
			return append(out, f)
		}
	}
	r := ev(flow.StageCallKit, flow.NameRinging)
	r.Instant = true
	end := ev(flow.StageCallKit, "ended")
	end.Instant, end.Outcome = true, s.outcome
	return append(out, r, end)
}

func side(name string, specs ...spec) *Side {
	s := NewSide(name)
	for i, sp := range specs {
		for _, e := range sp.events(i) {
			s.Add(e)
		}
	}
	return s
}

func ok(trace, call string, apnsMS float64) spec {
	return spec{trace: trace, call: call, ms: [4]float64{1, 2, apnsMS, 3}, outcome: flow.OutcomeConnected}
}

func TestMatching(t *testing.T) {
	withScen := func(s spec, scen string) spec { s.scenario = scen; return s }
	for _, tc := range []struct {
		name   string
		a, b   []spec
		method string
		pairs  []string // "traceA=traceB by"
		onlyA  []string
		onlyB  []string
	}{
		{name: "same trace: by call UUID",
			a: []spec{ok("t1", "c1", 1), ok("t2", "c2", 1)}, b: []spec{ok("t1", "c1", 1), ok("t2", "c2", 1)},
			method: ByCallID, pairs: []string{"t1=t1 call_id", "t2=t2 call_id"}},
		{name: "call UUID wins over order",
			a: []spec{ok("t1", "c1", 1), ok("t2", "c2", 1)}, b: []spec{ok("u2", "c2", 1), ok("u1", "c1", 1)},
			method: ByCallID, pairs: []string{"t1=u1 call_id", "t2=u2 call_id"}},
		{name: "trace id when call UUIDs are absent",
			a: []spec{ok("t1", "", 1)}, b: []spec{ok("t1", "", 1)},
			method: ByTraceID, pairs: []string{"t1=t1 trace_id"}},
		{name: "two runs: by order, extra in B",
			a: []spec{ok("a1", "x1", 1), ok("a2", "x2", 1)}, b: []spec{ok("b1", "y1", 1), ok("b2", "y2", 1), ok("b3", "y3", 1)},
			method: ByOrder, pairs: []string{"a1=b1 order", "a2=b2 order"}, onlyB: []string{"b3"}},
		{name: "scenario first, i-th with i-th, then order",
			a:      []spec{withScen(ok("a1", "x1", 1), "nse-slow"), withScen(ok("a2", "x2", 1), "revoked"), ok("a3", "x3", 1), withScen(ok("a4", "x4", 1), "nse-slow")},
			b:      []spec{withScen(ok("b1", "y1", 1), "revoked"), withScen(ok("b2", "y2", 1), "nse-slow"), withScen(ok("b3", "y3", 1), "nse-slow"), ok("b4", "y4", 1)},
			method: "mixed", pairs: []string{"a1=b2 scenario", "a2=b1 scenario", "a3=b4 order", "a4=b3 scenario"}},
		{name: "fewer in B",
			a: []spec{ok("a1", "x1", 1), ok("a2", "x2", 1)}, b: []spec{ok("b1", "y1", 1)},
			method: ByOrder, pairs: []string{"a1=b1 order"}, onlyA: []string{"a2"}},
		{name: "nothing in B",
			a: []spec{ok("a1", "x1", 1)}, b: nil, method: "none", onlyA: []string{"a1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Compare(side("A", tc.a...), side("B", tc.b...))
			var pairs []string
			for _, c := range d.Calls {
				pairs = append(pairs, c.A.TraceID+"="+c.B.TraceID+" "+c.MatchedBy)
			}
			if d.Matching.Method != tc.method || !slices.Equal(pairs, tc.pairs) {
				t.Errorf("matching %q %v, want %q %v", d.Matching.Method, pairs, tc.method, tc.pairs)
			}
			ids := func(rs []CallRef) []string {
				var out []string
				for _, r := range rs {
					out = append(out, r.TraceID)
				}
				return out
			}
			if !slices.Equal(ids(d.OnlyA), tc.onlyA) || !slices.Equal(ids(d.OnlyB), tc.onlyB) {
				t.Errorf("only A %v, only B %v; want %v, %v", ids(d.OnlyA), ids(d.OnlyB), tc.onlyA, tc.onlyB)
			}
		})
	}
}

// TestPercentiles: 100 calls whose APNs stage takes 1…100 ms give p50 50ms,
// p95 95ms, p99 99ms (HdrHistogram keeps 3 significant digits), and a run
// 10 ms slower shows +10ms at each.
func TestPercentiles(t *testing.T) {
	var a, b []spec
	for i := 1; i <= 100; i++ {
		a = append(a, ok(fmt.Sprintf("a%d", i), "", float64(i)))
		b = append(b, ok(fmt.Sprintf("b%d", i), "", float64(i+10)))
	}
	d := Compare(side("A", a...), side("B", b...))
	var apns, ck StageDiff
	for _, s := range d.Stages {
		switch s.Stage {
		case "apns":
			apns = s
		case "callkit":
			ck = s
		}
	}
	// HdrHistogram with 3 significant digits: each value within 0.1 %,
	// a delta within 0.1 % of the larger value it is taken from.
	near := func(got, want float64) bool { return math.Abs(got-want) <= 110000*0.001+1 }
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"A p50", apns.A.P50US, 50000}, {"A p95", apns.A.P95US, 95000}, {"A p99", apns.A.P99US, 99000},
		{"B p50", apns.B.P50US, 60000}, {"B p95", apns.B.P95US, 105000}, {"B p99", apns.B.P99US, 109000},
		{"Δp50", apns.P50DeltaUS, 10000}, {"Δp99", apns.P99DeltaUS, 10000},
		{"Δp50 %", *apns.P50DeltaPct * 1000, 20000},
	} {
		if !near(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if apns.A.N != 100 || apns.B.N != 100 {
		t.Errorf("n %d/%d, want 100/100", apns.A.N, apns.B.N)
	}
	if ck.A.N != 0 || ck.A.Instant != 100 || ck.P50DeltaPct != nil {
		t.Errorf("callkit: n %d, instant %d, Δ%% %v; want 0, 100, none (instant is no latency)", ck.A.N, ck.A.Instant, ck.P50DeltaPct)
	}
	for _, rule := range []struct {
		expr string
		fail bool
	}{
		{"p50(apns)>+19%", true}, {"p50(apns)>+21%", false},
		{"p99(apns)>+9ms", true}, {"p99(apns)>+11ms", false},
		{"p95(server)>+0%", false}, {"p99.9(apns)>+5ms", true},
		{"p50(total)>+5ms", true},
	} {
		rs, err := ParseFailOn(rule.expr)
		if err != nil {
			t.Fatal(err)
		}
		if v := d.Check(rs)[0]; v.Failed != rule.fail || !v.Checked {
			t.Errorf("%s: failed %v (%s), want %v", rule.expr, v.Failed, v.Why, rule.fail)
		}
	}
	// No latency to compare: not checked, not failed, and says so.
	rs, _ := ParseFailOn("p95(callkit)>+1%")
	if v := d.Check(rs)[0]; v.Failed || v.Checked || !strings.Contains(v.Why, "not checked") {
		t.Errorf("callkit rule: %+v", v)
	}
}

func TestOutcomeAndDiagnosis(t *testing.T) {
	rejected := &flow.Diagnosis{Stage: flow.StageAPNs, Code: flow.CodeAPNsRejected, Apple: "BadDeviceToken", Detail: "per-run text"}
	fail := func(s spec, d *flow.Diagnosis) spec { s.diag, s.outcome = d, flow.OutcomeFailed; return s }
	outcome := func(s spec, o flow.Outcome) spec { s.outcome = o; return s }
	for _, tc := range []struct {
		name                 string
		a, b                 spec
		changed, worse       bool
		diagChanged, diagNew bool
		rules                map[string]bool // rule → fails
	}{
		{name: "same", a: ok("a", "", 1), b: ok("b", "", 1),
			rules: map[string]bool{"outcome": false, "diagnosis": false}},
		{name: "connected → failed at APNs", a: ok("a", "", 1), b: fail(ok("b", "", 1), rejected),
			changed: true, worse: true, diagChanged: true, diagNew: true,
			rules: map[string]bool{"outcome": true, "diagnosis": true}},
		{name: "failed → connected is a fix", a: fail(ok("a", "", 1), rejected), b: ok("b", "", 1),
			changed: true, diagChanged: true,
			rules: map[string]bool{"outcome": false, "diagnosis": false}},
		{name: "connected → unanswered", a: ok("a", "", 1), b: outcome(ok("b", "", 1), flow.OutcomeUnanswered),
			changed: true, worse: true, rules: map[string]bool{"outcome": true}},
		{name: "same failure, other detail text", a: fail(ok("a", "", 1), rejected),
			b:     fail(ok("b", "", 1), &flow.Diagnosis{Stage: flow.StageAPNs, Code: flow.CodeAPNsRejected, Apple: "BadDeviceToken", Detail: "other"}),
			rules: map[string]bool{"diagnosis": false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Compare(side("A", tc.a), side("B", tc.b))
			c := d.Calls[0]
			if c.OutcomeChanged != tc.changed || c.OutcomeWorse != tc.worse || c.DiagnosisChanged != tc.diagChanged || c.DiagnosisNew != tc.diagNew {
				t.Errorf("changed %v worse %v diag changed %v new %v; want %v %v %v %v",
					c.OutcomeChanged, c.OutcomeWorse, c.DiagnosisChanged, c.DiagnosisNew, tc.changed, tc.worse, tc.diagChanged, tc.diagNew)
			}
			for expr, want := range tc.rules {
				rs, _ := ParseFailOn(expr)
				if v := d.Check(rs)[0]; v.Failed != want {
					t.Errorf("%s: failed %v (%s), want %v", expr, v.Failed, v.Why, want)
				}
			}
		})
	}
}

func TestPushChanges(t *testing.T) {
	push := func(hdr map[string]string, payload string) *flow.PushRecord {
		return &flow.PushRecord{Method: "POST", Headers: hdr, Payload: json.RawMessage(payload)}
	}
	base := map[string]string{"apns-push-type": "voip", "apns-priority": "10", "apns-topic": "org.x.voip",
		"apns-expiration": "1800000000", "apns-id": "per-push", "authorization": "bearer h.c.sig"}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range base {
			m[a] = b
		}
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	env := `{"aps":{},"env":"AAAA","v":1,"to":["x"]}`
	for _, tc := range []struct {
		name string
		a, b *flow.PushRecord
		want []string
	}{
		{"values change, shape does not", push(base, env), push(with("apns-expiration", "1900000000"), `{"aps":{},"env":"BBBBBB","v":2,"to":["y","z"]}`), nil},
		{"per-push headers ignored", push(base, env), push(with("apns-id", "other"), env), nil},
		{"priority", push(base, env), push(with("apns-priority", "5"), env), []string{"header apns-priority: 10 → 5"}},
		{"expiration dropped", push(base, env), push(with("apns-expiration", ""), env), []string{"header apns-expiration: present → absent"}},
		{"payload key added and retyped", push(base, env), push(base, `{"aps":{"alert":"hi"},"env":"AAAA","v":"1","to":["x"]}`),
			[]string{"payload aps.alert: added (string)", "payload v: number → string"}},
		{"array element type", push(base, env), push(base, `{"aps":{},"env":"AAAA","v":1,"to":[1]}`),
			[]string{"payload to[]: string → number"}},
		{"not JSON", push(base, env), push(base, `{oops`), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sa, sb := ok("a", "", 1), ok("b", "", 1)
			sa.push, sb.push = tc.a, tc.b
			d := Compare(side("A", sa), side("B", sb))
			got := d.Calls[0].Push
			if tc.name == "not JSON" {
				if !slices.Contains(got, "payload (not JSON): added (?)") {
					t.Errorf("changes %q, want the body marked not JSON", got)
				}
				return
			}
			if len(got) == 0 {
				got = nil
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("changes %q, want %q", got, tc.want)
			}
			rs, _ := ParseFailOn("push")
			if v := d.Check(rs)[0]; v.Failed != (len(tc.want) > 0) {
				t.Errorf("push rule failed %v, want %v", v.Failed, len(tc.want) > 0)
			}
		})
	}
	// Only the APNs event's header attributes on record (traces before the
	// whole push was kept): headers compare, the payload is not claimed.
	attrs := func(prio string) *Side {
		s := NewSide("x")
		s.Add(flow.Event{TraceID: "t", Stage: flow.StageAPNs, Name: "received", Time: t0,
			Attrs: map[string]string{"push_type": "voip", "priority": prio, "topic": "org.x.voip", "payload_bytes": "900"}})
		return s
	}
	d := Compare(attrs("10"), attrs("5"))
	if got := d.Calls[0].Push; !slices.Equal(got, []string{"header apns-priority: 10 → 5"}) || d.A.PushesHeadOnly != 1 {
		t.Errorf("from attributes: %q, headers-only %d", got, d.A.PushesHeadOnly)
	}
}

// TestRenderSame: a run against itself renders with no arrow of change and
// a JSON report that says same.
func TestRenderSame(t *testing.T) {
	a := side("a.jsonl", ok("t1", "c1", 3), ok("t2", "c2", 4))
	rep := NewReport(Compare(a, a), nil)
	var text, md, js strings.Builder
	rep.WriteText(&text)
	rep.WriteMarkdown(&md)
	rep.WriteJSON(&js)
	if !rep.Same || strings.Count(text.String(), "→") != 3 { // the header's three
		t.Errorf("same %v\n%s", rep.Same, text.String())
	}
	if !strings.Contains(md.String(), "### callscope diff: no change") || !strings.Contains(md.String(), "|---|") {
		t.Errorf("markdown:\n%s", md.String())
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(js.String()), &m); err != nil {
		t.Fatal(err)
	}
	for k := range m {
		if k != strings.ToLower(k) {
			t.Errorf("JSON key %q is not lower-case", k)
		}
	}
}

// TestRenderChanges: a changed call is listed with its outcome and
// diagnosis in text, and with how it was matched when matching was mixed.
func TestRenderChanges(t *testing.T) {
	rejected := &flow.Diagnosis{Stage: flow.StageAPNs, Code: flow.CodeAPNsRejected, Apple: "BadDeviceToken"}
	bad := ok("b2", "y2", 1)
	bad.diag, bad.outcome = rejected, flow.OutcomeFailed
	a := side("a", spec{trace: "a1", call: "x1", scenario: "s", ms: [4]float64{1, 2, 3, 4}, outcome: flow.OutcomeConnected}, ok("a2", "x2", 1))
	b := side("b", spec{trace: "b1", call: "y1", scenario: "s", ms: [4]float64{1, 2, 3, 4}, outcome: flow.OutcomeConnected}, bad)
	rs, _ := ParseFailOn("outcome,p50(callkit)>+1%")
	rep := NewReport(Compare(a, b), rs)
	var text strings.Builder
	rep.WriteText(&text)
	for _, want := range []string{
		"matched 2 calls mixed (1 by scenario, 1 by order)",
		"b2 (by order): connected → failed (worse)",
		"b2 (by order): none → apns: APNS_REJECTED (BadDeviceToken)",
		"FAIL outcome: 1 call ended worse",
		"skip p50(callkit)>+1%: no measured callkit latency",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	if !rep.Regressed || rep.Same {
		t.Errorf("regressed %v same %v, want true false", rep.Regressed, rep.Same)
	}
}
