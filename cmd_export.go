package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/ladder"
	"github.com/callscope/callscope/flow/tracediff"
)

// exportHooks are export's other outputs. Each registers its flags on the
// export command and returns what writes that output from the trace's
// events; it must do nothing when none of its flags was given. The OTLP
// output (cmd_export_otlp.go) joins with one line in its own file:
//
//	func init() { exportHooks = append(exportHooks, otlpExportFlags) }
//
// export counts an output as asked for when any flag a hook added was
// given.
var exportHooks []func(cmd *cobra.Command) func(events []flow.Event) error

// exportOutputs lists what export can produce, for its help and for the
// error when nothing was asked for. A hook's output adds its flags here.
var exportOutputs = []string{"--ladder (each call's ladder as text)", "--svg OUT.svg (the ladder as SVG)"}

func exportCommand() *cobra.Command {
	var (
		lad    bool
		callID string
		svg    string
		width  int
	)
	cmd := &cobra.Command{
		Use:   "export FILE",
		Short: "Export a recorded trace: a call's ladder as text or SVG, or OpenTelemetry traces (OTLP file or endpoint)",
		Long: "export reads a trace written by --record and writes it in another form.\n" +
			"--ladder prints each call's ladder (or one call's, with --call) as plain text for a ticket: the five\n" +
			"stage columns, an arrow per hop labelled with the stage's measured latency, where it failed, and how\n" +
			"it ended. --svg OUT.svg draws the same ladders as an SVG image (text and lines, system fonts).\n" +
			"Exit status: 0 written, 1 an output could not be written, 2 bad usage, an unreadable trace or no such call.",
		Example: "  callscope export trace.jsonl --ladder --call 4bf92f35\n" +
			"  callscope export trace.jsonl --ladder --call 4bf92f35 --svg call.svg",
		Args: usageArgs(cobra.ExactArgs(1)),
	}
	f := cmd.Flags()
	f.BoolVar(&lad, "ladder", false, "print each call's ladder as plain text")
	f.StringVar(&callID, "call", "", "only the call with this trace id, call UUID or apns-id (a unique prefix will do)")
	f.StringVar(&svg, "svg", "", "also draw the ladders as SVG into FILE")
	f.IntVar(&width, "width", 80, "width of the text ladder in columns")
	own := map[string]bool{}
	f.VisitAll(func(fl *pflag.Flag) { own[fl.Name] = true })
	var runs []func([]flow.Event) error
	for _, h := range exportHooks {
		runs = append(runs, h(cmd))
	}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		hooked := false
		cmd.Flags().Visit(func(fl *pflag.Flag) { hooked = hooked || !own[fl.Name] })
		if !lad && svg == "" && !hooked {
			return usageError{fmt.Errorf("export %s: say what to produce: %s", args[0], strings.Join(exportOutputs, ", "))}
		}
		if width < ladder.MinWidth {
			return usageError{fmt.Errorf("--width %d: at least %d columns", width, ladder.MinWidth)}
		}
		if err := writable("--svg", svg); err != nil {
			return err
		}
		r, err := openTrace(args[0])
		if err != nil {
			return err
		}
		defer r.Close()
		side := tracediff.NewSide(args[0])
		var events []flow.Event
		bad := 0
		// The events are kept apart only for a hook's output: the ladder
		// needs no more than the side holds.
		keep := func(e flow.Event) {
			side.Add(e)
			if len(runs) > 0 {
				events = append(events, e)
			}
		}
		if err := eachEvent(r, cmd.ErrOrStderr(), keep, &bad); err != nil {
			return fmt.Errorf("%s: %w", args[0], err)
		}
		if bad > 0 {
			fmt.Fprintf(cmd.ErrOrStderr(), "%s: %d bad lines skipped\n", args[0], bad)
		}
		if lad || svg != "" {
			calls, err := pickCalls(args[0], side.Calls(), callID)
			if err != nil {
				return err
			}
			if err := writeLadders(cmd, calls, lad, svg, width); err != nil {
				return err
			}
		}
		for _, run := range runs {
			if err := run(events); err != nil {
				return err
			}
		}
		return nil
	}
	return cmd
}

// pickCalls is every call of the trace, or the one --call names.
func pickCalls(file string, calls []flow.Call, id string) ([]flow.Call, error) {
	if len(calls) == 0 {
		return nil, usageError{fmt.Errorf("%s: no calls in the trace (want a file written by --record)", file)}
	}
	if id == "" {
		return calls, nil
	}
	var hit []flow.Call
	for _, c := range calls {
		for _, v := range []string{c.TraceID, c.CallID, c.ApnsID} {
			if v != "" && strings.HasPrefix(strings.ToLower(v), strings.ToLower(id)) {
				hit = append(hit, c)
				break
			}
		}
	}
	switch len(hit) {
	case 0:
		return nil, usageError{fmt.Errorf("--call %s: no call in %s has this trace id, call UUID or apns-id", id, file)}
	case 1:
		return hit, nil
	}
	return nil, usageError{fmt.Errorf("--call %s: %d calls in %s start so; give more of the id", id, len(hit), file)}
}

func writeLadders(cmd *cobra.Command, calls []flow.Call, text bool, svg string, width int) error {
	ls := make([]ladder.Ladder, len(calls))
	for i, c := range calls {
		ls[i] = ladder.Build(c)
	}
	if text {
		var b strings.Builder
		for i, l := range ls {
			if i > 0 {
				b.WriteString("\n")
			}
			b.WriteString(ladder.Title(calls[i]) + "\n")
			for _, line := range l.Text(width) {
				b.WriteString(line + "\n")
			}
		}
		if _, err := fmt.Fprint(cmd.OutOrStdout(), b.String()); err != nil {
			return err
		}
	}
	if svg == "" {
		return nil
	}
	return writeFileAtomic(svg, func(f *os.File) error { return ladder.WriteSVG(f, ls) })
}

// writeFileAtomic writes path through a temporary file in its directory,
// renamed into place only when complete: nothing half-written.
func writeFileAtomic(path string, write func(*os.File) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	err = write(tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("--svg %s: %w", path, err)
	}
	return nil
}
