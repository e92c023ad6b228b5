package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/trace"
	"github.com/callscope/callscope/flow/tracediff"
)

func diffCommand() *cobra.Command {
	var (
		asJSON, asMarkdown bool
		failOn             string
	)
	cmd := &cobra.Command{
		Use:   "diff A B",
		Short: "Compare two recorded traces: per-stage latency, outcomes, diagnoses and the push",
		Long: "diff compares trace B with trace A (files written by --record). Calls are matched by scenario (when\n" +
			"recorded), then by call UUID or trace id, then in order; the output says which. It prints each stage's\n" +
			"p50/p95/p99 latency in both runs and the change, every call whose outcome or diagnosis changed, and\n" +
			"changes in the push's stable headers (apns-push-type, apns-priority, apns-topic, content-type,\n" +
			"apns-expiration present or not) and in its payload's JSON shape (keys and types, never values).\n" +
			"--fail-on makes it a CI gate: " + tracediff.FailOnHelp + ".\n" +
			"Exit status: 0 no rule failed, 1 a --fail-on rule failed (a regression), 2 bad usage or unreadable trace.\n" +
			"See docs/diff.md.",
		Example: "  callscope diff last-week.jsonl today.jsonl\n" +
			"  callscope diff a.jsonl b.jsonl --markdown > comment.md\n" +
			"  callscope diff a.jsonl b.jsonl --fail-on 'p95(apns)>+20%,p99(total)>+50ms,outcome'",
		Args: usageArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if asJSON && asMarkdown {
				return usageError{errors.New("--json and --markdown: pick one")}
			}
			var rules []tracediff.Rule
			if cmd.Flags().Changed("fail-on") {
				var err error
				if rules, err = tracediff.ParseFailOn(failOn); err != nil {
					return usageError{fmt.Errorf("--fail-on %w", err)}
				}
			}
			// Open both before reading either: a missing B is a usage
			// error before any work.
			ra, err := openTrace(args[0])
			if err != nil {
				return err
			}
			defer ra.Close()
			rb, err := openTrace(args[1])
			if err != nil {
				return err
			}
			defer rb.Close()
			stderr := cmd.ErrOrStderr()
			a, err := readSide(args[0], ra, stderr)
			if err != nil {
				return err
			}
			b, err := readSide(args[1], rb, stderr)
			if err != nil {
				return err
			}
			rep := tracediff.NewReport(tracediff.Compare(a, b), rules)
			out := cmd.OutOrStdout()
			switch {
			case asJSON:
				err = rep.WriteJSON(out)
			case asMarkdown:
				err = rep.WriteMarkdown(out)
			default:
				err = rep.WriteText(out)
			}
			if err != nil {
				return err
			}
			if rep.Regressed {
				return failedError{}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "print one JSON object (stable lower-case keys) instead of the table")
	f.BoolVar(&asMarkdown, "markdown", false, "print Markdown for a pull-request comment")
	f.StringVar(&failOn, "fail-on", "", "exit 1 when B regressed: "+tracediff.FailOnHelp)
	return cmd
}

// openTrace opens a trace named on the command line: one that cannot be
// opened is a usage error (exit 2), nothing runs.
func openTrace(path string) (*trace.Reader, error) {
	r, err := trace.Open(path)
	if err != nil {
		return nil, usageError{err}
	}
	return r, nil
}

// readSide streams a trace into a diff side. A bad line is reported as
// FILE:LINE: reason and skipped; the rest loads.
func readSide(path string, r *trace.Reader, stderr io.Writer) (*tracediff.Side, error) {
	s := tracediff.NewSide(path)
	n, bad := 0, 0
	err := eachEvent(r, stderr, func(e flow.Event) { n++; s.Add(e) }, &bad)
	if errors.Is(err, trace.ErrNotTrace) {
		return nil, usageError{err} // the loader's message names the file
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if bad > 0 {
		fmt.Fprintf(stderr, "%s: %d bad lines skipped\n", path, bad)
	}
	if n == 0 {
		return nil, usageError{fmt.Errorf("%s: no events in the trace (want a file written by --record)", path)}
	}
	return s, nil
}

// eachEvent reads r to its end, reporting each bad line on stderr and
// counting it.
func eachEvent(r *trace.Reader, stderr io.Writer, f func(flow.Event), bad *int) error {
	for {
		e, err := r.Next()
		var le *trace.LineError
		switch {
		case err == nil:
			f(e)
		case errors.As(err, &le):
			*bad++
			fmt.Fprintln(stderr, le.Error())
		case errors.Is(err, io.EOF):
			return nil
		default:
			return err
		}
	}
}
