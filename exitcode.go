package main

// The exit status has one rule for the whole CLI (README, "Exit codes"):
//
//	2  usage: an unknown command or flag, a bad flag value or argument, a
//	   name that is not there (scenario, device, key), a file named by a flag
//	   or argument that cannot be read, is not what the flag takes, or (an
//	   output such as --record or --ca-out) cannot be written. Checked before
//	   anything runs, so nothing runs and nothing is half-written.
//	1  the run failed: a call ended otherwise than asked, a scenario was not
//	   diagnosed as declared, a push was answered with an error, envelope
//	   open or seal refused the envelope, events were lost, the disk failed.
//	0  otherwise.
//
// Commands return usageError for the first kind and any other error for the
// second; failedError is a failure the output already explains.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"charm.land/fang/v2"
	"github.com/spf13/cobra"

	"github.com/callscope/callscope/crypto/keyring"
)

// usageError marks bad flags and arguments: exit status 2.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

// failedError is a run that worked but found failures: exit status 1, no message.
type failedError struct{}

func (failedError) Error() string { return "" }

// exitStatus is the rule above.
func exitStatus(err error) int {
	var ue usageError
	// A name the key store has no device or key for, or cannot take, is
	// always the user's input: the store says so with a NameError.
	var ne *keyring.NameError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue), errors.As(err, &ne):
		return 2
	}
	return 1
}

// execute runs the command line as the shell does and returns the exit
// status. Cobra refuses unknown commands, flags and argument counts (in fang's
// man and cobra's completion commands too) before any command runs: an error
// before the run starts is therefore a usage error, whatever its type.
func execute(ctx context.Context, root *cobra.Command) int {
	started := false
	// No subcommand sets a persistent pre-run of its own, so root's runs
	// for each of them, after its flags and arguments were accepted.
	root.PersistentPreRun = func(*cobra.Command, []string) { started = true }
	err := fang.Execute(ctx, root,
		fang.WithVersion(version),
		fang.WithNotifySignal(os.Interrupt),
		fang.WithErrorHandler(printError))
	if err != nil && !started {
		err = usageError{err}
	}
	return exitStatus(err)
}

// printError prints one line: tools and people both read it.
func printError(w io.Writer, _ fang.Styles, err error) {
	if err.Error() == "" {
		return
	}
	fmt.Fprintln(w, "callscope: "+err.Error())
}

func usageArgs(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := v(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

// strictTree makes cobra's own commands keep the rule: help for a command
// that does not exist, and completion for a shell it does not know, are
// usage errors rather than a help page and exit 0.
func strictTree(root *cobra.Command) {
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		switch c.Name() {
		case "help":
			show := c.Run
			c.RunE = func(cmd *cobra.Command, args []string) error {
				if t, rest, err := cmd.Root().Find(args); err != nil || len(rest) > 0 || t == nil {
					return usageError{fmt.Errorf("help %s: no such command (callscope --help lists them)", strings.Join(args, " "))}
				}
				show(cmd, args)
				return nil
			}
		case "completion":
			c.Args = usageArgs(cobra.NoArgs)
			c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
		}
	}
}

// writable checks, before the run starts, that an output file named by
// flag can be written, so that a run never stops on its way out, nor leaves
// a file half made. An existing file is opened without truncating it; a new
// one is made and removed again.
func writable(flag, path string) error {
	if path == "" {
		return nil
	}
	bad := func(err error) error {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return usageError{fmt.Errorf("%s %s: %v", flag, path, err)}
	}
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.IsDir():
		return usageError{fmt.Errorf("%s %s: is a directory", flag, path)}
	case err == nil && !fi.Mode().IsRegular():
		return nil // a device or a pipe: opening it here could block or consume
	case err == nil:
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return bad(err)
		}
		return f.Close()
	case !errors.Is(err, fs.ErrNotExist):
		return bad(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return bad(err)
	}
	f.Close()
	return os.Remove(path)
}
