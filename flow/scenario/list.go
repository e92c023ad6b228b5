package scenario

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// Summary is one scenario as `callscope scenarios --json` prints it.
type Summary struct {
	Name        string   `json:"name"`
	Stage       string   `json:"stage"`
	Source      string   `json:"source"`
	Injects     string   `json:"injects"`
	Knobs       []string `json:"knobs"`
	Description string   `json:"description"`
	Outcome     string   `json:"outcome"`
	Code        string   `json:"code,omitempty"`
	Apple       string   `json:"apple,omitempty"`
}

func summarize(s Scenario) Summary {
	stage := string(s.Expect.Stage)
	if s.Happy() {
		stage = "-"
	}
	return Summary{Name: s.Name, Stage: stage, Source: s.Source, Injects: s.Injects, Knobs: s.Knobs(), Description: s.Description,
		Outcome: string(s.Expect.Outcome), Code: string(s.Expect.Code), Apple: s.Expect.Apple}
}

// List prints one line per scenario: name, stage, catalogue id, description.
func List(w io.Writer, ss []Scenario) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, s := range ss {
		m := summarize(s)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.Name, m.Stage, m.Source, m.Description)
	}
	return tw.Flush()
}

// ListJSON prints the scenarios as a JSON array.
func ListJSON(w io.Writer, ss []Scenario) error {
	out := make([]Summary, len(ss))
	for i, s := range ss {
		out[i] = summarize(s)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// Markdown renders the scenario table in README.md. The knob column is
// what the scenario turns (Knobs), read from its fields.
func Markdown(ss []Scenario) string {
	var b strings.Builder
	b.WriteString("| scenario | stage | diagnosis | Apple's name | source | knob | what happens |\n|---|---|---|---|---|---|---|\n")
	for _, s := range ss {
		m := summarize(s)
		code := m.Code
		if code == "" {
			code = m.Outcome
		}
		apple := m.Apple
		if apple != "" {
			apple = "`" + apple + "`"
		}
		knob := m.Injects
		if len(m.Knobs) > 0 {
			knob += ": `" + strings.Join(causeFirst(s.Injects, m.Knobs), "`, `") + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | `%s` | %s | %s | %s | %s |\n", m.Name, m.Stage, code, apple, m.Source,
			strings.ReplaceAll(knob, "|", "\\|"), strings.ReplaceAll(m.Description, "|", "\\|"))
	}
	b.WriteString("\nCatalogue entries with no scenario, and why:\n\n")
	for _, id := range sortedKeys(NotModelled) {
		fmt.Fprintf(&b, "- **%s**: %s\n", id, NotModelled[id])
	}
	return b.String()
}

// causeFirst puts the knobs of the scenario's Injects kind, the cause, before
// the rest (the parameters it sets the stage with).
func causeFirst(injects string, knobs []string) []string {
	var cause, rest []string
	for _, k := range knobs {
		if hasAnyPrefix(k, knobKinds[injects]) {
			cause = append(cause, k)
		} else {
			rest = append(rest, k)
		}
	}
	return append(cause, rest...)
}

// NotModelled are the catalogue entries (docs/failures.md) no scenario can
// show, and why.
var NotModelled = map[string]string{
	"F-05": "the Simulator's local pushes (`xcrun simctl push`, dropped `.apns` files) never pass through APNs, " +
		"and callscope's path is APNs → device: there is no push to send. On a device, or a Simulator receiving " +
		"real remote pushes (Xcode 14+), the NSE runs as in `audio-call`.",
	"F-33": "a refused entitlement request is a decision of Apple's entitlements team, not something that happens " +
		"to a push. What follows from it is modelled: `no-filtering-entitlement` (F-09) and `placeholder-banner` (F-10).",
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Report prints one run's diagnosis for `send --scenario NAME`.
func Report(w io.Writer, r Result) {
	s := r.Scenario
	fmt.Fprintf(w, "scenario %s (%s): %s\n", s.Name, s.Source, s.Description)
	if k := s.Knobs(); len(k) > 0 {
		fmt.Fprintf(w, "knobs (%s): %s\n", s.Injects, strings.Join(k, "; "))
	}
	for _, x := range s.Warnings() {
		fmt.Fprintln(w, "warning: "+x.String())
	}
	fmt.Fprintf(w, "outcome: %s", r.Call.Outcome)
	if r.Call.TraceID != "" {
		fmt.Fprintf(w, "  trace %s", r.Call.TraceID)
	}
	fmt.Fprintln(w)
	if d := r.Observed; d != nil {
		fmt.Fprintf(w, "diagnosis: stage %s, code %s\n", d.Stage, d.Code)
		if d.Apple != "" {
			fmt.Fprintf(w, "  Apple: %s\n", d.Apple)
		}
		fmt.Fprintf(w, "  %s\n", d.Detail)
		if d.Hint != "" {
			fmt.Fprintf(w, "  hint: %s\n", d.Hint)
		}
	}
	if r.Err != nil {
		fmt.Fprintf(w, "error: %v\n", r.Err)
	} else if m := r.Mismatch(); m != "" {
		fmt.Fprintf(w, "MISMATCH: %s\n", m)
	}
}

// Table prints what each scenario of `send --scenario all` produced, with
// the knob it turns, in lines that fit a 120-column terminal while every
// scenario runs as declared: DIAGNOSIS and OUTCOME are what the run
// observed, and RESULT "ok" says they are what the scenario declares (a
// mismatch says what it declares).
type Table struct {
	tw   *tabwriter.Writer
	pass int
	fail int
}

// NewTable writes to w.
func NewTable(w io.Writer) *Table {
	t := &Table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	fmt.Fprintln(t.tw, "SCENARIO\tDIAGNOSIS\tOUTCOME\tKNOB\tRESULT")
	return t
}

// knobWidth is the most a KNOB cell takes: with the widest scenario name,
// diagnosis and outcome, a row of "ok" stays within 120 columns.
const knobWidth = 34

// MainKnob is the knob a scenario turns to cause what it shows (the first
// of its Injects kind), with "+N" for the parameters it also sets, within
// width runes (width 0: no limit); "—" for none.
func MainKnob(s Scenario, width int) string {
	ks := causeFirst(s.Injects, s.Knobs())
	if len(ks) == 0 {
		return "—"
	}
	k := ks[0]
	if more := len(ks) - 1; more > 0 {
		if with := k + " +" + strconv.Itoa(more); width == 0 || utf8.RuneCountInString(with) <= width {
			return with
		}
	}
	if r := []rune(k); width > 0 && len(r) > width {
		k = string(r[:width-1]) + "…"
	}
	return k
}

// Row adds one result.
func (t *Table) Row(r Result) {
	obs := "—"
	if r.Observed != nil {
		obs = string(r.Observed.Stage) + " " + string(r.Observed.Code)
	}
	res := "ok"
	if !r.Pass() {
		res = "MISMATCH: " + r.Mismatch()
		if r.Err != nil {
			res = "ERROR: " + r.Err.Error()
		}
		t.fail++
	} else {
		t.pass++
	}
	fmt.Fprintf(t.tw, "%s\t%s\t%s\t%s\t%s\n", r.Scenario.Name, obs, r.Call.Outcome, MainKnob(r.Scenario, knobWidth), res)
}

// Close flushes and prints the count; it reports whether all passed.
func (t *Table) Close(w io.Writer) bool {
	t.tw.Flush()
	fmt.Fprintf(w, "\n%d scenarios: %d diagnosed as declared, %d mismatched\n", t.pass+t.fail, t.pass, t.fail)
	return t.fail == 0
}
