package tracediff

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/callscope/callscope/flow"
)

// Rule is one term of a --fail-on expression.
type Rule struct {
	Text string `json:"rule"`
	// Kind is latency, outcome, diagnosis or push.
	Kind string `json:"kind"`
	// For latency: the percentile, the stage (or total), and the limit on
	// B's growth over A: a percentage or an absolute time.
	Q     float64       `json:"-"`
	Stage string        `json:"-"`
	Pct   float64       `json:"-"`
	Abs   time.Duration `json:"-"`
	IsPct bool          `json:"-"`
}

// Rule kinds.
const (
	KindLatency   = "latency"
	KindOutcome   = "outcome"
	KindDiagnosis = "diagnosis"
	KindPush      = "push"
)

// FailOnHelp is the grammar, for help texts and errors.
const FailOnHelp = "comma-separated: pNN(STAGE)>+X% or pNN(STAGE)>+Xms (STAGE: sender, server, apns, extension, callkit or total), outcome, diagnosis, push"

// ParseFailOn reads a --fail-on expression, e.g. "p95(apns)>+20%,outcome".
// An error names the term it could not read.
func ParseFailOn(expr string) ([]Rule, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, fmt.Errorf("empty expression (want %s)", FailOnHelp)
	}
	var out []Rule
	for _, term := range strings.Split(expr, ",") {
		r, err := parseTerm(strings.TrimSpace(term))
		if err != nil {
			return nil, fmt.Errorf("%q: %w", strings.TrimSpace(term), err)
		}
		out = append(out, r)
	}
	return out, nil
}

func parseTerm(t string) (Rule, error) {
	switch t {
	case "":
		return Rule{}, fmt.Errorf("empty term (want %s)", FailOnHelp)
	case KindOutcome, KindDiagnosis, KindPush:
		return Rule{Text: t, Kind: t}, nil
	}
	r := Rule{Text: t, Kind: KindLatency}
	rest, ok := strings.CutPrefix(t, "p")
	open := strings.IndexByte(rest, '(')
	if !ok || open < 0 {
		return Rule{}, fmt.Errorf("not a term (want %s)", FailOnHelp)
	}
	q, err := strconv.ParseFloat(rest[:open], 64)
	if !isDecimal(rest[:open]) || err != nil || q <= 0 || q > 100 {
		return Rule{}, fmt.Errorf("percentile %q: want a number above 0 and at most 100, as in p95 or p99.9", "p"+rest[:open])
	}
	r.Q = q
	rest = rest[open+1:]
	closing := strings.IndexByte(rest, ')')
	if closing < 0 {
		return Rule{}, fmt.Errorf("no closing parenthesis after the stage")
	}
	stage := strings.TrimSpace(rest[:closing])
	if stage != Total {
		if _, err := flow.ParseStage(stage); err != nil {
			return Rule{}, fmt.Errorf("unknown stage %q (want sender, server, apns, extension, callkit or total)", stage)
		}
	}
	r.Stage = stage
	rest = strings.TrimSpace(rest[closing+1:])
	limit, ok := strings.CutPrefix(rest, ">")
	if !ok {
		return Rule{}, fmt.Errorf("want > after the stage, as in p95(apns)>+20%% or >+50ms")
	}
	limit = strings.TrimPrefix(strings.TrimSpace(limit), "+")
	if num, ok := strings.CutSuffix(limit, "%"); ok {
		v, err := strconv.ParseFloat(num, 64)
		if !isDecimal(num) || err != nil {
			return Rule{}, fmt.Errorf("limit %q: want a non-negative percentage such as +20%%", limit)
		}
		r.Pct, r.IsPct = v, true
		return r, nil
	}
	d, err := time.ParseDuration(limit)
	if err != nil || d < 0 || strings.HasPrefix(limit, "-") || !isDecimal(strings.TrimRight(limit, "nsuµmh")) {
		return Rule{}, fmt.Errorf("limit %q: want a percentage (+20%%) or a non-negative time (+50ms, +1.5s)", limit)
	}
	r.Abs = d
	return r, nil
}

// Verdict is one rule checked against a diff.
type Verdict struct {
	Rule   string `json:"rule"`
	Failed bool   `json:"failed"`
	// Checked is false when the rule had nothing to compare (no latency at
	// that stage in A or B): it neither passes nor fails, and says why.
	Checked bool   `json:"checked"`
	Why     string `json:"why"`
}

// Check applies the rules. A latency rule compares the percentile over all
// calls of each run; outcome fails when any matched call ended worse,
// diagnosis when any gained or changed its diagnosis, push when any push's
// stable headers or payload shape changed.
func (d Diff) Check(rules []Rule) []Verdict {
	out := make([]Verdict, 0, len(rules))
	for _, r := range rules {
		v := Verdict{Rule: r.Text, Checked: true}
		switch r.Kind {
		case KindOutcome:
			v.Failed = d.Changes.OutcomeWorse > 0
			v.Why = plural(d.Changes.OutcomeWorse, "call") + " ended worse"
		case KindDiagnosis:
			v.Failed = d.Changes.DiagnosisNew > 0
			v.Why = plural(d.Changes.DiagnosisNew, "call") + " gained or changed a diagnosis"
		case KindPush:
			v.Failed = d.Changes.PushCalls > 0
			v.Why = plural(d.Changes.PushCalls, "call") + " with a push header or payload-shape change"
		case KindLatency:
			v = d.checkLatency(r)
		}
		out = append(out, v)
	}
	return out
}

func (d Diff) checkLatency(r Rule) Verdict {
	v := Verdict{Rule: r.Text}
	a, na := d.Percentile(r.Stage, r.Q, false)
	b, nb := d.Percentile(r.Stage, r.Q, true)
	name := fmt.Sprintf("p%s(%s)", strconv.FormatFloat(r.Q, 'f', -1, 64), r.Stage)
	switch {
	case na == 0 && nb == 0:
		v.Why = "no measured " + r.Stage + " latency in either run: not checked"
		return v
	case na == 0:
		v.Why = "no measured " + r.Stage + " latency in A: not checked"
		return v
	case nb == 0:
		v.Why = "no measured " + r.Stage + " latency in B: not checked"
		return v
	}
	v.Checked = true
	grow := b - a
	if r.IsPct {
		limit := float64(a) * r.Pct / 100
		v.Failed = float64(grow) > limit
		v.Why = fmt.Sprintf("%s %s → %s (%s), limit +%s%%", name, flow.FormatDuration(a), flow.FormatDuration(b),
			signedPct(float64(grow)/float64(a)*100), strconv.FormatFloat(r.Pct, 'f', -1, 64))
		return v
	}
	v.Failed = grow > r.Abs
	v.Why = fmt.Sprintf("%s %s → %s (%s), limit +%s", name, flow.FormatDuration(a), flow.FormatDuration(b),
		signedDur(grow), flow.FormatDuration(r.Abs))
	return v
}

// Failed reports whether any verdict failed.
func Failed(vs []Verdict) bool {
	for _, v := range vs {
		if v.Failed {
			return true
		}
	}
	return false
}

func signedPct(p float64) string {
	if p >= 100 || p <= -100 {
		return fmt.Sprintf("%+.0f%%", p)
	}
	if p >= 0 {
		return "+" + strconv.FormatFloat(p, 'f', 1, 64) + "%"
	}
	return strconv.FormatFloat(p, 'f', 1, 64) + "%"
}

func signedDur(d time.Duration) string {
	if d < 0 {
		return "-" + flow.FormatDuration(-d)
	}
	return "+" + flow.FormatDuration(d)
}

// isDecimal accepts digits with at most one point: no signs, exponents,
// NaN or Inf, which ParseFloat would take.
func isDecimal(s string) bool {
	dot := false
	for i, c := range s {
		switch {
		case c >= '0' && c <= '9':
		case c == '.' && !dot && i > 0 && i < len(s)-1:
			dot = true
		default:
			return false
		}
	}
	return s != ""
}
