package tracediff

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/callscope/callscope/flow"
)

// Report is a diff with its --fail-on verdicts, as --json prints it.
type Report struct {
	Diff
	FailOn    []Verdict `json:"fail_on"`
	Regressed bool      `json:"regressed"`
	Same      bool      `json:"same"`
}

// NewReport checks rules against d.
func NewReport(d Diff, rules []Rule) Report {
	vs := d.Check(rules)
	return Report{Diff: d, FailOn: vs, Regressed: Failed(vs), Same: d.Same()}
}

// WriteJSON prints the report as one JSON object with stable lower-case keys.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// maxListed bounds the per-call lines of text and markdown; --json has all.
const maxListed = 20

// WriteText prints the report as a compact table and lists of changes.
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "A  %s  %s\n", r.A.Name, plural(r.A.Calls, "call"))
	fmt.Fprintf(&b, "B  %s  %s\n", r.B.Name, plural(r.B.Calls, "call"))
	fmt.Fprintf(&b, "matched %s %s%s\n\n", plural(len(r.Calls), "call"), methodNote(r.Matching.Method), r.mixed())
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "stage\tcalls A/B\tp50 A → B\tp95 A → B\tp99 A → B")
	for _, s := range r.Stages {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Stage, counts(s),
			cell(s, s.A.P50US, s.B.P50US, s.P50DeltaPct), cell(s, s.A.P95US, s.B.P95US, s.P95DeltaPct),
			cell(s, s.A.P99US, s.B.P99US, s.P99DeltaPct))
	}
	tw.Flush()
	b.WriteString("\n")
	r.changes(&b, "", "", func(s string) string { return s })
	r.verdicts(&b, "", func(v Verdict) string {
		if v.Failed {
			return "FAIL"
		}
		if !v.Checked {
			return "skip"
		}
		return "ok  "
	})
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMarkdown prints the report for a pull-request comment.
func (r Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	status := "no change"
	switch {
	case r.Regressed:
		status = "regression"
	case !r.Same:
		status = "changed"
	}
	fmt.Fprintf(&b, "### callscope diff: %s\n\n", status)
	fmt.Fprintf(&b, "A %s (%s) → B %s (%s); matched %s %s%s.\n\n",
		mdCode(r.A.Name), plural(r.A.Calls, "call"), mdCode(r.B.Name), plural(r.B.Calls, "call"),
		plural(len(r.Calls), "call"), methodNote(r.Matching.Method), r.mixed())
	b.WriteString("| stage | n A/B | p50 A → B | Δ | p95 A → B | Δ | p99 A → B | Δ |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range r.Stages {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", s.Stage, counts(s),
			mdCell(s, s.A.P50US, s.B.P50US), delta(s.P50DeltaUS, s.P50DeltaPct, s),
			mdCell(s, s.A.P95US, s.B.P95US), delta(s.P95DeltaUS, s.P95DeltaPct, s),
			mdCell(s, s.A.P99US, s.B.P99US), delta(s.P99DeltaUS, s.P99DeltaPct, s))
	}
	b.WriteString("\n")
	r.changes(&b, "- ", "- ", mdCode)
	r.verdicts(&b, "- ", func(v Verdict) string {
		if v.Failed {
			return "❌"
		}
		if !v.Checked {
			return "⚪"
		}
		return "✅"
	})
	_, err := io.WriteString(w, b.String())
	return err
}

func (r Report) mixed() string {
	if r.Matching.Method != "mixed" {
		return ""
	}
	var parts []string
	for _, m := range []string{ByScenario, ByCallID, ByTraceID, ByOrder} {
		if n := r.Matching.By[m]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d by %s", n, strings.ReplaceAll(m, "_", " ")))
		}
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// changes writes the outcome, diagnosis and push changes, and calls on one
// side only; item prefixes list items, code quotes ids.
func (r Report) changes(b *strings.Builder, top, item string, code func(string) string) {
	section := func(title string, lines []string, more int) {
		if len(lines) == 0 {
			fmt.Fprintf(b, "%s%s: no change\n", top, title)
			return
		}
		fmt.Fprintf(b, "%s%s:\n", top, title)
		for _, l := range lines {
			fmt.Fprintf(b, "  %s%s\n", item, l)
		}
		if more > 0 {
			fmt.Fprintf(b, "  %s… and %d more (--json lists all)\n", item, more)
		}
	}
	var outc, diag []string
	moreO, moreD := 0, 0
	for _, c := range r.Calls {
		id := code(short(c.B.TraceID))
		if r.Matching.Method == "mixed" {
			id += " (by " + strings.ReplaceAll(c.MatchedBy, "_", " ") + ")"
		}
		if c.OutcomeChanged {
			if len(outc) == maxListed {
				moreO++
			} else {
				worse := ""
				if c.OutcomeWorse {
					worse = " (worse)"
				}
				outc = append(outc, fmt.Sprintf("%s: %s → %s%s", id, outcomeName(c.A.Outcome), outcomeName(c.B.Outcome), worse))
			}
		}
		if c.DiagnosisChanged {
			if len(diag) == maxListed {
				moreD++
			} else {
				diag = append(diag, fmt.Sprintf("%s: %s → %s", id, orNone(c.DiagnosisA), orNone(c.DiagnosisB)))
			}
		}
	}
	section("outcomes", outc, moreO)
	section("diagnoses", diag, moreD)
	push := r.PushChangeLines()
	switch {
	case r.A.Pushes == 0 || r.B.Pushes == 0:
		fmt.Fprintf(b, "%spush: not compared (pushes on record: %d in A, %d in B)\n", top, r.A.Pushes, r.B.Pushes)
	default:
		more := max(0, len(push)-maxListed)
		section("push", push[:min(len(push), maxListed)], more)
		if r.A.PushesHeadOnly+r.B.PushesHeadOnly > 0 {
			fmt.Fprintf(b, "  %s(headers only for %d calls in A, %d in B: their payload shape was not on record)\n", item, r.A.PushesHeadOnly, r.B.PushesHeadOnly)
		}
	}
	for _, side := range []struct {
		name  string
		calls []CallRef
	}{{"only in A", r.OnlyA}, {"only in B", r.OnlyB}} {
		if len(side.calls) == 0 {
			continue
		}
		var lines []string
		for _, c := range side.calls[:min(len(side.calls), maxListed)] {
			lines = append(lines, code(short(c.TraceID))+" "+outcomeName(c.Outcome))
		}
		section(side.name, lines, max(0, len(side.calls)-maxListed))
	}
	if r.A.Ignored+r.B.Ignored > 0 {
		fmt.Fprintf(b, "%sevents without a trace id (in no call): %d in A, %d in B\n", top, r.A.Ignored, r.B.Ignored)
	}
}

func (r Report) verdicts(b *strings.Builder, item string, mark func(Verdict) string) {
	if len(r.FailOn) == 0 {
		return
	}
	b.WriteString("\nfail-on:\n")
	for _, v := range r.FailOn {
		fmt.Fprintf(b, "  %s%s %s: %s\n", item, mark(v), v.Rule, v.Why)
	}
}

func counts(s StageDiff) string {
	n := fmt.Sprintf("%d/%d", s.A.N, s.B.N)
	if s.A.Instant+s.B.Instant > 0 {
		n += fmt.Sprintf(" +%d/%d instant", s.A.Instant, s.B.Instant)
	}
	return n
}

// cell is one percentile in the text table: "1.2ms → 1.5ms (+25%)", or
// the value once with (=) when it did not move.
func cell(s StageDiff, a, b float64, pct *float64) string {
	switch {
	case a == 0 && b == 0 && s.A.Instant+s.B.Instant > 0:
		return flow.InstantLabel
	case a == b:
		return dur(a) + " (=)"
	case pct != nil:
		return arrow(a, b) + " (" + signedPct(*pct) + ")"
	}
	return arrow(a, b)
}

func mdCell(s StageDiff, a, b float64) string {
	if a == 0 && b == 0 && s.A.Instant+s.B.Instant > 0 {
		return flow.InstantLabel
	}
	return arrow(a, b)
}

func arrow(a, b float64) string { return dur(a) + " → " + dur(b) }

func dur(v float64) string {
	if v == 0 {
		return "-"
	}
	return flow.FormatDuration(time.Duration(v * float64(time.Microsecond)))
}

func delta(dus float64, pct *float64, s StageDiff) string {
	if s.A.P50US == 0 || s.B.P50US == 0 {
		return ""
	}
	d := time.Duration(dus * float64(time.Microsecond))
	if d == 0 {
		return "="
	}
	out := signedDur(d)
	if pct != nil {
		out += " " + signedPct(*pct)
	}
	return out
}

func outcomeName(o flow.Outcome) string {
	if o == "" {
		return "unfinished"
	}
	return string(o)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// short is a trace id cut to 12 hex digits: enough to find it in a trace.
func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func mdCode(s string) string { return "`" + strings.ReplaceAll(s, "`", "'") + "`" }
