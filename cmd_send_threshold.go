package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/charmbracelet/colorprofile"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/pipeline"
	"github.com/callscope/callscope/flow/threshold"
)

// sendThresholds parses send's --threshold and refuses, before anything
// runs, one that send cannot measure: a subject that is no stage, a rate
// of one stage, a ratio (send has no baseline), lost or duplicated.
func sendThresholds(exprs []string) ([]threshold.Threshold, error) {
	ts, err := threshold.ParseAll(exprs)
	if err != nil {
		return nil, usageError{fmt.Errorf("--threshold: %w", err)}
	}
	subjects := flow.StatSubjects()
	for _, t := range ts {
		switch {
		case !slices.Contains(subjects, t.Subject):
			return nil, usageError{fmt.Errorf("--threshold %q: send measures %s, not %q", t.Expr, strings.Join(subjects, ", "), t.Subject)}
		case t.Stat == "rate" && t.Subject != flow.SubjectTotal:
			return nil, usageError{fmt.Errorf("--threshold %q: send's rate is of whole requests: rate(total)", t.Expr)}
		case t.Stat == "ratio" || t.Stat == "lost" || t.Stat == "duplicated":
			return nil, usageError{fmt.Errorf("--threshold %q: send has no %s; it measures latencies (p95, max, avg), rate(total), count and failed", t.Expr, t.Stat)}
		}
	}
	return ts, nil
}

// progressAbove is how many requests make send worth a progress bar: a
// few hundred calls take long enough to wonder how far along they are.
const progressAbove = 300

// sendProgress sets send up for a terminal: the summary's histograms and,
// for more than progressAbove requests, a progress bar under the rows. It
// returns the writer to print through and a function that removes the
// bar. Piped, redirected or with --json it changes nothing.
func sendProgress(opts *pipeline.SendOptions, out io.Writer) (io.Writer, func()) {
	if !progressOn(out, opts.JSON) {
		return out, func() {}
	}
	w := colorprofile.NewWriter(out, os.Environ())
	opts.Histograms = true
	if opts.Count <= progressAbove {
		return w, func() {}
	}
	bar := newTermProgress(w, termWidth(out))
	label := fmt.Sprintf("%d %ss", opts.Count, opts.Kind)
	bar.Set(label, 0)
	opts.Progress = func(done, total int) {
		bar.Set(label, float64(done)/float64(total))
		if done >= total {
			bar.Close() // before the summary
		}
	}
	return bar, bar.Close
}
