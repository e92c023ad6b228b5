package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/callscope/callscope/preflight"
)

func preflightCommand() *cobra.Command {
	var (
		env    string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "preflight PATH",
		Short: "Check a built app (.app, .xcarchive or .ipa) for what the E2EE call path needs, before any push",
		Long: "preflight reads a built app and checks what iOS needs before an encrypted call can ring: a Notification\n" +
			"Service Extension packaged in PlugIns/, its provisioning profile granting and its signature claiming\n" +
			"com.apple.developer.usernotifications.filtering, the app's aps-environment matching the APNs\n" +
			"environment you push to, UIBackgroundModes with voip, an App Group shared by app and extension,\n" +
			"deployment targets, and the profiles' App IDs and expiry. Each finding names the file inside the\n" +
			"app, the key, and what would go wrong on the call path (F-xx ids: docs/failures.md; the checks and\n" +
			"Apple's sources: docs/preflight.md; the rules: state S0 in docs/device-rules.md).\n" +
			"Exit status: 0 when nothing fails (warnings allowed), 1 when a check fails, 2 for a bad argument\n" +
			"or an app preflight cannot read.",
		Example: "  callscope preflight build/Example.ipa\n" +
			"  callscope preflight --environment production ~/Library/Developer/Xcode/Archives/2026-12-01/Example.xcarchive\n" +
			"  callscope preflight --json DerivedData/Build/Products/Debug-iphoneos/Example.app",
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := applyProfile(cmd); err != nil {
				return err
			}
			e, err := preflight.ParseEnvironment(env)
			if err != nil {
				return profileBlame(cmd, usageError{fmt.Errorf("--environment: %w", err)})
			}
			b, err := preflight.Open(args[0])
			if err != nil {
				return usageError{err}
			}
			rep := preflight.Check(b, preflight.Options{Environment: e, Now: time.Now()})
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				err = enc.Encode(rep)
			} else {
				err = writePreflight(cmd.OutOrStdout(), rep)
			}
			if err != nil {
				return err
			}
			if !rep.Passed {
				return failedError{}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&env, "environment", string(preflight.Sandbox), "the APNs environment pushes go to: sandbox (aps-environment development) or production")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the findings as JSON")
	profileFlags(cmd) // a profile's environment
	return cmd
}

var preflightMarks = map[preflight.Status]string{
	preflight.Pass: "✓", preflight.Fail: "✗", preflight.Warn: "!", preflight.Skip: "-",
}

// writePreflight prints one line per finding, and for a failure or warning
// a second line with what it breaks on the call path.
func writePreflight(w io.Writer, r preflight.Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "preflight %s (%s %s, bundle id %s; APNs %s)\n", r.Path, r.Kind, r.App, r.BundleID, r.Environment)
	width := 0
	for _, f := range r.Findings {
		width = max(width, len(f.Check))
	}
	for _, f := range r.Findings {
		where := f.File
		if f.Key != "" {
			where += " " + f.Key
		}
		if where != "" {
			where = strings.TrimSpace(where) + ": "
		}
		fmt.Fprintf(&b, "%s %-*s  %s%s\n", preflightMarks[f.Status], width, f.Check, where, f.Detail)
		if f.Failure != "" {
			line := "→ " + f.Failure
			if len(f.Catalogue) > 0 {
				line += " (" + strings.Join(f.Catalogue, ", ") + " in docs/failures.md)"
			}
			fmt.Fprintf(&b, "  %*s  %s\n", width, "", line)
		}
	}
	warnings := "warnings"
	if r.Count(preflight.Warn) == 1 {
		warnings = "warning"
	}
	fmt.Fprintf(&b, "%d passed, %d failed, %d %s, %d skipped (docs/preflight.md explains each check)\n",
		r.Count(preflight.Pass), r.Count(preflight.Fail), r.Count(preflight.Warn), warnings, r.Count(preflight.Skip))
	_, err := io.WriteString(w, b.String())
	return err
}
