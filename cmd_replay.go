package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/replay"
	"github.com/callscope/callscope/flow/trace"
	"github.com/callscope/callscope/ui"
)

type replayOptions struct {
	headless, json bool
	filter         replay.Filter
	theme          string
	speed          float64
	paused         bool
	rerun          rerunOptions
	resend         resendOptions
}

func replayCommand() *cobra.Command {
	var o replayOptions
	cmd := &cobra.Command{
		Use:   "replay FILE",
		Short: "Replay a recorded trace on the screen, print it headless, or re-run its calls",
		Long: "replay reads a trace written by --record (JSON lines, .jsonl.gz too) and opens the screen over it:\n" +
			"the same lanes, ladder and details as the live screen, played in the order the events were recorded.\n" +
			"Keys: space play/pause, ←/→ one event back/on, +/- speed (the trace's own time up to 100×), f the\n" +
			"next failure, r from the start. --headless prints each call's ladder as text, --json (JSON lines)\n" +
			"one object per call: stages, latencies, outcome, diagnosis and the push. --call and --filter pick\n" +
			"calls. --rerun sends the recorded calls again, with their timing, and prints then against now.\n" +
			"A line that does not load is reported on stderr as FILE:LINE: reason and skipped; the other calls\n" +
			"are complete. Exit status: 0, 1 when any line was skipped (events were lost) or a re-run call ended\n" +
			"otherwise than it did then, 2 for bad usage or a file that cannot be read (docs/replay.md).",
		Example: "  callscope send --count 100 --record t.jsonl\n  callscope replay t.jsonl\n" +
			"  callscope replay t.jsonl --headless --filter failed\n  callscope replay t.jsonl --json | jq .outcome\n" +
			"  callscope replay t.jsonl --rerun --speed 10",
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReplay(cmd, args[0], o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.headless, "headless", false, "print each call's ladder as text instead of opening the screen")
	f.BoolVar(&o.json, "json", false, "print one JSON object per call, one per line (implies --headless)")
	f.StringVar(&o.filter.Call, "call", "", "only the call with this trace id or call UUID (a prefix is enough)")
	f.StringVar(&o.filter.Text, "filter", "", "only calls whose trace id, call UUID, a stage reached, outcome or diagnosis code contains TEXT")
	addThemeFlag(f, &o.theme)
	f.Float64Var(&o.speed, "speed", 1, "replay or re-run this many times faster than recorded, 1 to 100")
	f.BoolVar(&o.paused, "paused", false, "open the screen paused at the first event")
	rerunFlags(cmd, &o.rerun)
	resendFlags(cmd, &o.resend)
	return cmd
}

func runReplay(cmd *cobra.Command, path string, o replayOptions) error {
	if o.speed < 1 || o.speed > ui.MaxSpeed {
		return usageError{fmt.Errorf("--speed must be between 1 and %d (got %g)", ui.MaxSpeed, o.speed)}
	}
	if err := checkTheme(o.theme); err != nil {
		return err
	}
	if err := readable(path); err != nil {
		return err
	}
	if o.rerun.on {
		if o.headless || o.paused || cmd.Flags().Changed("theme") {
			return usageError{errors.New("--rerun prints its own table: not with --headless, --paused or --theme")}
		}
		if o.resend.apns != "" {
			if o.rerun.profileFile != "" || len(o.rerun.profileSet) > 0 {
				return usageError{errors.New("--apns resends the recorded pushes: no device here, so not with --device-profile or --device-set")}
			}
			p, err := prepareResend(o.resend)
			if err != nil {
				return err
			}
			return runResend(cmd, path, o, p)
		}
		for _, name := range resendOnly {
			if cmd.Flags().Changed(name) {
				return usageError{fmt.Errorf("--%s: only with --rerun --apns", name)}
			}
		}
		return runRerun(cmd, path, o)
	}
	if cmd.Flags().Changed("apns") {
		return usageError{errors.New("--apns: only with --rerun")}
	}
	for _, name := range resendOnly {
		if cmd.Flags().Changed(name) {
			return usageError{fmt.Errorf("--%s: only with --rerun --apns", name)}
		}
	}
	if err := o.rerun.unused(cmd); err != nil {
		return err
	}
	o.headless = o.headless || o.json
	if !o.headless && (!isTerminal(cmd.InOrStdin()) || !isTerminal(cmd.OutOrStdout())) {
		return usageError{errors.New("no terminal: the replay screen needs one on stdin and stdout; use --headless or --json")}
	}
	bad := &badLines{w: cmd.ErrOrStderr()}
	fold := replay.NewFold()
	var events []flow.Event
	read := 0
	err := replay.Read(path, func(e flow.Event) {
		read++
		fold.Add(e)
		if !o.headless {
			events = append(events, e)
		}
	}, bad.report)
	if errors.Is(err, trace.ErrNotTrace) && read == 0 {
		return err // one line naming the file: empty, binary, a directory
	}
	if err != nil {
		// What loaded is still worth seeing: the error comes after it.
		err = fmt.Errorf("%s: reading stopped: %w", path, err)
	}
	picked := map[string]bool{}
	var calls []flow.Call
	for _, c := range fold.Calls() {
		if o.filter.Match(c) {
			calls = append(calls, c)
			picked[c.TraceID] = true
		}
	}
	if len(calls) == 0 {
		if read == 0 && bad.n == 0 && err == nil {
			return fmt.Errorf("%s: empty: no events in it", path)
		}
		return errors.Join(err, bad.err(path), noCalls(path, o.filter))
	}
	if o.headless {
		if werr := printReplay(cmd.OutOrStdout(), fold, calls, o.json); werr != nil {
			return werr
		}
		return errors.Join(err, bad.err(path))
	}
	if !o.filter.Empty() {
		kept := events[:0]
		for _, e := range events {
			if picked[e.TraceID] {
				kept = append(kept, e)
			}
		}
		events = kept
	}
	if err := errors.Join(err, bad.err(path)); err != nil {
		// The lines were listed before the screen opened; it hides them
		// while it is open, so the count follows it out.
		defer fmt.Fprintln(cmd.ErrOrStderr(), "callscope: "+err.Error())
	}
	uerr := ui.RunReplay(cmd.Context(), events, ui.ReplayOptions{Speed: o.speed, Paused: o.paused,
		Options: ui.Options{Theme: o.theme, Header: ui.Header{Endpoints: path}}})
	if uerr != nil {
		return uerr
	}
	if err := errors.Join(err, bad.err(path)); err != nil {
		return failedError{}
	}
	return nil
}

// readable checks the trace named on the command line before anything
// runs: a file that is not there, not readable or a directory is a usage
// error (exit 2), one line naming it.
func readable(path string) error {
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return usageError{fmt.Errorf("replay %s: %v", path, err)}
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return usageError{fmt.Errorf("replay %s: is a directory, not a trace file", path)}
	}
	return nil
}

// badLines reports each line that did not load as FILE:LINE: reason, and
// counts them.
type badLines struct {
	w io.Writer
	n int
}

func (b *badLines) report(le *trace.LineError) {
	b.n++
	fmt.Fprintln(b.w, le.Error())
}

// err is the run's failure for the lines skipped: events were lost, so
// exit status 1 (README, "Exit codes"), after everything that loaded.
func (b *badLines) err(path string) error {
	switch b.n {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("%s: 1 line did not load and was skipped (above); the rest loaded", path)
	}
	return fmt.Errorf("%s: %d lines did not load and were skipped (above); the rest loaded", path, b.n)
}

func noCalls(path string, f replay.Filter) error {
	switch {
	case f.Call != "" && f.Text != "":
		return fmt.Errorf("%s: no call matches --call %s and --filter %s", path, f.Call, f.Text)
	case f.Call != "":
		return fmt.Errorf("%s: no call matches --call %s", path, f.Call)
	case f.Text != "":
		return fmt.Errorf("%s: no call matches --filter %s", path, f.Text)
	}
	return fmt.Errorf("%s: no calls in the trace", path)
}
