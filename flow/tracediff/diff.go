package tracediff

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/callscope/callscope/flow"
)

// Total is the name the stage table and --fail-on give the measured
// end-to-end time.
const Total = "total"

// Diff is what changed from run A to run B. Its JSON keys are stable.
type Diff struct {
	A SideInfo `json:"a"`
	B SideInfo `json:"b"`
	// Matching says how calls were paired: one method, or "mixed".
	Matching Matching    `json:"matching"`
	Stages   []StageDiff `json:"stages"`
	Calls    []CallDiff  `json:"calls"`
	OnlyA    []CallRef   `json:"only_a"`
	OnlyB    []CallRef   `json:"only_b"`
	// Changes counts the matched calls whose outcome, diagnosis or push
	// changed, and the push changes by kind over all calls.
	Changes Changes `json:"changes"`

	sumA, sumB *flow.Summary
}

// SideInfo describes one run.
type SideInfo struct {
	Name    string `json:"name"`
	Calls   int    `json:"calls"`
	Ignored int    `json:"events_without_trace_id,omitempty"`
	// Pushes is how many calls have their push on record, and how many of
	// those only as the APNs event's header attributes.
	Pushes         int `json:"pushes"`
	PushesHeadOnly int `json:"pushes_headers_only,omitempty"`
}

// Matching summarises how calls were paired.
type Matching struct {
	Method string         `json:"method"` // scenario, call_id, trace_id, order, mixed or none
	By     map[string]int `json:"by"`
}

// Percentiles are one stage's latency over all calls of one run that have a
// measured latency there, in microseconds (HdrHistogram, 3 significant
// digits). Instant counts calls that passed it as instant system calls.
type Percentiles struct {
	N       int64   `json:"n"`
	Instant int     `json:"instant,omitempty"`
	P50US   float64 `json:"p50_us"`
	P95US   float64 `json:"p95_us"`
	P99US   float64 `json:"p99_us"`
}

// StageDiff is one row of the stage table.
type StageDiff struct {
	Stage string      `json:"stage"`
	A     Percentiles `json:"a"`
	B     Percentiles `json:"b"`
	// Deltas B − A, and in percent of A (nil when A is 0 or either side
	// has no value).
	P50DeltaUS  float64  `json:"p50_delta_us"`
	P95DeltaUS  float64  `json:"p95_delta_us"`
	P99DeltaUS  float64  `json:"p99_delta_us"`
	P50DeltaPct *float64 `json:"p50_delta_pct"`
	P95DeltaPct *float64 `json:"p95_delta_pct"`
	P99DeltaPct *float64 `json:"p99_delta_pct"`
}

// CallRef names a call.
type CallRef struct {
	TraceID  string       `json:"trace_id"`
	CallID   string       `json:"call_id,omitempty"`
	Scenario string       `json:"scenario,omitempty"`
	Outcome  flow.Outcome `json:"outcome,omitempty"`
}

// CallDiff is one matched pair.
type CallDiff struct {
	A         CallRef `json:"a"`
	B         CallRef `json:"b"`
	MatchedBy string  `json:"matched_by"`
	// Stages are the per-stage latency deltas where both calls have a
	// measured latency, in path order, then total.
	Stages         []CallStage `json:"stages"`
	OutcomeChanged bool        `json:"outcome_changed"`
	OutcomeWorse   bool        `json:"outcome_worse"`
	DiagnosisA     string      `json:"diagnosis_a,omitempty"`
	DiagnosisB     string      `json:"diagnosis_b,omitempty"`
	// DiagnosisChanged: B's diagnosis (stage, code, Apple's reason) is not
	// A's. DiagnosisNew: and B has one, so it is not a fix.
	DiagnosisChanged bool     `json:"diagnosis_changed"`
	DiagnosisNew     bool     `json:"diagnosis_new"`
	Push             []string `json:"push_changes"`
	// PushCompared is false when either side has no push on record.
	PushCompared bool `json:"push_compared"`
}

// CallStage is one stage's latency in both calls.
type CallStage struct {
	Stage   string  `json:"stage"`
	AUS     float64 `json:"a_us"`
	BUS     float64 `json:"b_us"`
	DeltaUS float64 `json:"delta_us"`
}

// Changes counts what changed.
type Changes struct {
	Outcome      int            `json:"outcome"`
	OutcomeWorse int            `json:"outcome_worse"`
	Diagnosis    int            `json:"diagnosis"`
	DiagnosisNew int            `json:"diagnosis_new"`
	PushCalls    int            `json:"push_calls"`
	Push         map[string]int `json:"push"` // each change line, and on how many calls
}

// Compare diffs run a against run b.
func Compare(a, b *Side) Diff {
	ca, cb := a.calls(), b.calls()
	d := Diff{
		A: sideInfo(a, ca), B: sideInfo(b, cb),
		sumA: summary(ca), sumB: summary(cb),
		OnlyA: []CallRef{}, OnlyB: []CallRef{}, Calls: []CallDiff{},
		Matching: Matching{By: map[string]int{}},
		Changes:  Changes{Push: map[string]int{}},
	}
	pairs, onlyA, onlyB := match(ca, cb)
	sort.Slice(pairs, func(i, j int) bool { return pairs[i].a < pairs[j].a })
	for _, i := range onlyA {
		d.OnlyA = append(d.OnlyA, ref(ca[i]))
	}
	for _, j := range onlyB {
		d.OnlyB = append(d.OnlyB, ref(cb[j]))
	}
	for _, p := range pairs {
		cd := compareCall(ca[p.a], cb[p.b], p.by)
		d.Matching.By[p.by]++
		if cd.OutcomeChanged {
			d.Changes.Outcome++
		}
		if cd.OutcomeWorse {
			d.Changes.OutcomeWorse++
		}
		if cd.DiagnosisChanged {
			d.Changes.Diagnosis++
		}
		if cd.DiagnosisNew {
			d.Changes.DiagnosisNew++
		}
		if len(cd.Push) > 0 {
			d.Changes.PushCalls++
		}
		for _, c := range cd.Push {
			d.Changes.Push[c]++
		}
		d.Calls = append(d.Calls, cd)
	}
	switch len(d.Matching.By) {
	case 0:
		d.Matching.Method = "none"
	case 1:
		for k := range d.Matching.By {
			d.Matching.Method = k
		}
	default:
		d.Matching.Method = "mixed"
	}
	for _, s := range stageNames() {
		d.Stages = append(d.Stages, d.stageDiff(s))
	}
	return d
}

func stageNames() []string {
	out := make([]string, 0, len(flow.Stages)+1)
	for _, s := range flow.Stages {
		out = append(out, string(s))
	}
	return append(out, Total)
}

func sideInfo(s *Side, calls []callInfo) SideInfo {
	si := SideInfo{Name: s.Name, Calls: len(calls), Ignored: s.Ignored}
	for _, c := range calls {
		if c.push != nil {
			si.Pushes++
			if c.push.fromAttrs {
				si.PushesHeadOnly++
			}
		}
	}
	return si
}

func summary(calls []callInfo) *flow.Summary {
	s := flow.NewSummary()
	for _, c := range calls {
		s.Add(c.call)
	}
	return s
}

func ref(c callInfo) CallRef {
	return CallRef{TraceID: c.call.TraceID, CallID: c.call.CallID, Scenario: c.scenario, Outcome: c.call.Outcome}
}

// Percentile is the q-th percentile (0–100) of a stage's (or Total's)
// latency in run A (b false) or B, and how many calls it is over.
func (d Diff) Percentile(stage string, q float64, b bool) (time.Duration, int64) {
	s := d.sumA
	if b {
		s = d.sumB
	}
	if s == nil {
		return 0, 0
	}
	if stage == Total {
		v := s.TotalPercentile(q)
		if v == 0 {
			return 0, 0
		}
		return v, 1 // Summary does not count totals; non-zero means some
	}
	return s.Percentile(flow.Stage(stage), q)
}

func (d Diff) stageDiff(stage string) StageDiff {
	sd := StageDiff{Stage: stage}
	side := func(b bool) Percentiles {
		var p Percentiles
		v50, n := d.Percentile(stage, 50, b)
		v95, _ := d.Percentile(stage, 95, b)
		v99, _ := d.Percentile(stage, 99, b)
		p.N, p.P50US, p.P95US, p.P99US = n, us(v50), us(v95), us(v99)
		s := d.sumA
		if b {
			s = d.sumB
		}
		if stage != Total {
			p.Instant = s.Instant(flow.Stage(stage))
		}
		return p
	}
	sd.A, sd.B = side(false), side(true)
	if stage == Total {
		sd.A.N, sd.B.N = int64(d.A.Calls), int64(d.B.Calls)
	}
	both := sd.A.P50US > 0 && sd.B.P50US > 0
	delta := func(x, y float64) (float64, *float64) {
		if !both {
			return 0, nil
		}
		if x == 0 {
			return y - x, nil
		}
		pct := (y - x) / x * 100
		return y - x, &pct
	}
	sd.P50DeltaUS, sd.P50DeltaPct = delta(sd.A.P50US, sd.B.P50US)
	sd.P95DeltaUS, sd.P95DeltaPct = delta(sd.A.P95US, sd.B.P95US)
	sd.P99DeltaUS, sd.P99DeltaPct = delta(sd.A.P99US, sd.B.P99US)
	return sd
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func compareCall(a, b callInfo, by string) CallDiff {
	cd := CallDiff{A: ref(a), B: ref(b), MatchedBy: by, Stages: []CallStage{}, Push: []string{}}
	for _, s := range flow.Stages {
		la, oka := measuredAt(a.call.Latency, s)
		lb, okb := measuredAt(b.call.Latency, s)
		if oka && okb {
			cd.Stages = append(cd.Stages, CallStage{Stage: string(s), AUS: us(la), BUS: us(lb), DeltaUS: us(lb - la)})
		}
	}
	if ta, tb := a.call.Latency.Total, b.call.Latency.Total; ta > 0 && tb > 0 {
		cd.Stages = append(cd.Stages, CallStage{Stage: Total, AUS: us(ta), BUS: us(tb), DeltaUS: us(tb - ta)})
	}
	oa, ob := a.call.Outcome, b.call.Outcome
	cd.OutcomeChanged = oa != ob
	cd.OutcomeWorse = rank(ob) < rank(oa)
	cd.DiagnosisA, cd.DiagnosisB = diagKey(a.call.Diag), diagKey(b.call.Diag)
	cd.DiagnosisChanged = cd.DiagnosisA != cd.DiagnosisB
	cd.DiagnosisNew = cd.DiagnosisChanged && cd.DiagnosisB != ""
	cd.PushCompared = a.push != nil && b.push != nil
	if ch := pushChanges(a.push, b.push); ch != nil {
		cd.Push = ch
	}
	return cd
}

// measuredAt is a stage's measured latency: not for an instant stage or a
// cross-clock hop, whose numbers are no latency.
func measuredAt(l flow.Latency, s flow.Stage) (time.Duration, bool) {
	d, ok := l.Get(s)
	return d, ok && !l.Instant[s]
}

// rank orders outcomes from worst to best: a worse outcome in B is a
// regression. Unfinished and failed are worst; accepted (only APNs knows)
// beats them; a call that rang but was not answered beats that; what the
// sender wanted (connected, shown) is best.
func rank(o flow.Outcome) int {
	switch o {
	case flow.OutcomeConnected, flow.OutcomeShown:
		return 3
	case flow.OutcomeDeclined, flow.OutcomeUnanswered:
		return 2
	case flow.OutcomeAccepted:
		return 1
	}
	return 0
}

// diagKey is what identifies a diagnosis across runs: where, which code,
// Apple's name. The detail text carries per-run values (ids, times).
func diagKey(d *flow.Diagnosis) string {
	if d == nil {
		return ""
	}
	s := string(d.Stage) + ": " + string(d.Code)
	if d.Apple != "" {
		s += " (" + d.Apple + ")"
	}
	if d.Warning {
		s += " [warning]"
	}
	return s
}

// PushChangeLines are the push changes over all calls, most frequent
// first: "header apns-priority: 10 → 5 (20 calls)".
func (d Diff) PushChangeLines() []string {
	keys := slices.Collect(maps.Keys(d.Changes.Push))
	sort.Slice(keys, func(i, j int) bool {
		ci, cj := d.Changes.Push[keys[i]], d.Changes.Push[keys[j]]
		if ci != cj {
			return ci > cj
		}
		return keys[i] < keys[j]
	})
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = fmt.Sprintf("%s (%s)", k, plural(d.Changes.Push[k], "call"))
	}
	return out
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// Same reports whether nothing changed: every call matched, no outcome,
// diagnosis or push change, and every stage's percentiles equal.
func (d Diff) Same() bool {
	if len(d.OnlyA)+len(d.OnlyB) > 0 || d.Changes.Outcome+d.Changes.Diagnosis+d.Changes.PushCalls > 0 {
		return false
	}
	for _, s := range d.Stages {
		if s.A != s.B {
			return false
		}
	}
	return true
}

// methodNote explains a matching method in words.
func methodNote(m string) string {
	switch m {
	case ByScenario:
		return "by scenario"
	case ByCallID:
		return "by call UUID"
	case ByTraceID:
		return "by trace id"
	case ByOrder:
		return "by order (no shared scenario, call UUID or trace id)"
	case "none":
		return "none matched"
	}
	return strings.ReplaceAll(m, "_", " ")
}
