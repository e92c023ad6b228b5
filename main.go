// Command callscope is a terminal call-flow debugger for end-to-end-encrypted
// VoIP calls on iOS. This file is only the command tree: flags are parsed into
// options and handed to packages.
package main

import (
	"context"
	"fmt"
	"github.com/callscope/callscope/internal/allocstat"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/device"
	"github.com/callscope/callscope/flow/pipeline"
	"github.com/callscope/callscope/flow/scenario"
)

var version = "dev"

func main() {
	allocstat.Serve(os.Stderr) // only under bench apns (allocstat.Env)
	os.Exit(execute(context.Background(), rootCommand()))
}

func rootCommand() *cobra.Command {
	var opts screenOptions
	root := &cobra.Command{
		Use:   "callscope",
		Short: "Trace end-to-end-encrypted VoIP calls through sender, server, APNs, extension and CallKit",
		Long: "callscope shows an E2EE call request on its way from the caller's app through the provider server and\n" +
			"APNs to the callee's Notification Service Extension and CallKit, stage by stage, with per-hop latency.\n" +
			"With no command it opens the screen on the embedded default: every stage on this machine.\n" +
			"Exit status: 0 when all went as asked, 1 when a run failed, 2 for a bad flag or argument (then nothing runs).",
		Args:          usageArgs(cobra.NoArgs),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runScreen(cmd.Context(), opts, cmd.InOrStdin(), cmd.OutOrStdout())
		},
	}
	root.Flags().Float64Var(&opts.timeScale, "time-scale", 1, "run simulated iPhone time this many times faster than real time")
	addThemeFlag(root.Flags(), &opts.theme)
	root.Flags().StringVar(&opts.profile, "device-profile", "", "the callee's iPhone from a TOML profile")
	root.Flags().StringArrayVar(&opts.profileSet, "device-set", nil, "change one device profile parameter, KEY=VALUE; repeatable")
	addSendAPNsFlags(root.Flags(), &opts.real, false)
	root.Flags().StringVar(&opts.ingest, "ingest", "", "accept events from outside (mock-apns --events-to, your server, a real NSE) over HTTP at ADDR, e.g. 127.0.0.1:4318; beyond loopback needs CALLSCOPE_INGEST_TOKEN")
	root.Flags().StringVar(&opts.server, "server", "", "drive the team's own provider server at URL instead of the built-in one (needs --server-template)")
	root.Flags().StringVar(&opts.serverTemplate, "server-template", "", "TOML request template for --server (docs/server-template.md)")
	opts.otlp = addOTLPFlags(root, "each call")
	addRecordFlags(root.Flags(), &opts.record, &opts.recordPlaintext)
	withProfile(root)
	root.AddCommand(sendCommand(), scenariosCommand())
	root.AddCommand(keysCommand(), envelopeCommand())
	root.AddCommand(mockAPNsCommand(), deviceCommand())
	root.AddCommand(preflightCommand())
	root.AddCommand(pushCommand())
	root.AddCommand(configCommand())
	root.AddCommand(replayCommand())
	root.AddCommand(diffCommand(), exportCommand())
	root.AddCommand(demoCommand())
	root.AddCommand(benchCommand())
	root.AddCommand(benchBaselineCommand())
	strictTree(root)
	return root
}

func sendCommand() *cobra.Command {
	var (
		opts     pipeline.SendOptions
		kind     string
		answer   string
		scen     string
		scenFile string
		// answerAfter holds --answer-after until we know it was given.
		answerAfter time.Duration
		real        sendAPNs
		otlpOut     *otlpFlags
		thresholds  []string
		rate        string
	)
	cmd := &cobra.Command{
		Use:   "send",
		Short: "Send calls or messages headless and print per-stage latency",
		Long: "send places calls (or messages) through the five stages on the embedded default and prints, per\n" +
			"request, its trace id, call UUID, outcome and the measured latency of each stage, then p50/p95/p99.\n" +
			"Simulated iPhone time (app launch, the callee answering) runs on a virtual clock and is shown apart.\n" +
			"Exit status: 0 when every request ended as the run asked (a call connected, declined or unanswered as\n" +
			"--answer or the profile's answer says; a message shown), 1 when any ended otherwise, 2 for bad usage.",
		Example: "  callscope send --count 50 --concurrency 8 --json\n  callscope send --kind message --record trace.jsonl",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if scen != "" || scenFile != "" {
				if err := scenarioOnly(cmd); err != nil {
					return err
				}
				return runScenarios(cmd, scen, scenFile, opts.JSON)
			}
			k, err := flow.ParseKind(kind)
			if err != nil {
				return usageError{fmt.Errorf("--kind: %w", err)}
			}
			opts.Kind = k
			// Only flags given override the profile's answer and answer_after.
			if cmd.Flags().Changed("answer") {
				opts.Answer = device.AnswerPolicy(answer).Canonical()
			}
			if cmd.Flags().Changed("answer-after") {
				opts.AnswerAfter = &answerAfter
			}
			if err := opts.SetRate(rate, cmd.Flags().Changed("concurrency")); err != nil {
				return usageError{err}
			}
			if err := opts.Validate(); err != nil {
				return usageError{err}
			}
			if _, err := opts.Profile(); err != nil {
				return usageError{err}
			}
			if opts.Thresholds, err = sendThresholds(thresholds); err != nil {
				return err
			}
			if err := writable("--record", opts.Record); err != nil {
				return err
			}
			if err := otlpOut.validate(true); err != nil {
				return err
			}
			opts.Follow = otlpOut.sendFollow(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr())
			target, dry, err := real.target(false)
			if err != nil {
				return err
			}
			if err := simulatedOnly(cmd, target); err != nil {
				return err
			}
			opts.Target = target
			if real.dryRun && len(thresholds) > 0 {
				return usageError{fmt.Errorf("--threshold: --dry-run sends nothing to measure")}
			}
			if real.dryRun && rate != "" {
				return usageError{fmt.Errorf("--rate: --dry-run sends nothing")}
			}
			if real.dryRun {
				return sendDryRun(cmd.Context(), opts, dry, cmd.OutOrStdout())
			}
			out, stopProgress := sendProgress(&opts, cmd.OutOrStdout())
			defer stopProgress()
			ok, err := pipeline.RunSend(cmd.Context(), opts, out)
			if err != nil {
				return err
			}
			if !ok {
				return failedError{}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVarP(&opts.Count, "count", "n", 1, "how many requests to send")
	f.IntVarP(&opts.Concurrency, "concurrency", "c", 1, "how many requests in flight at once (at most --count)")
	f.StringVar(&rate, "rate", "", "start requests at N/s however many are in flight (open model; latency counts from each one's due time); --concurrency then only caps them in flight")
	f.StringVar(&kind, "kind", "call", "call or message")
	f.BoolVar(&opts.Video, "video", false, "send video calls")
	f.BoolVar(&opts.JSON, "json", false, "print JSON instead of a table")
	f.DurationVar(&answerAfter, "answer-after", device.DefaultProfile().AnswerAfter, "simulated time the callee takes to answer (overrides the profile's answer_after)")
	f.StringVar(&answer, "answer", string(device.AnswerAuto), "what the callee does when it rings: answer (or auto), decline or ignore (overrides the profile's answer)")
	addRecordFlags(f, &opts.Record, &opts.RecordPlaintext)
	f.StringVar(&opts.ProfileFile, "device-profile", "", "the callee's iPhone from a TOML profile (see callscope scenarios)")
	f.StringArrayVar(&opts.ProfileSet, "device-set", nil, "change one device profile parameter, KEY=VALUE (e.g. nse_budget=10s); repeatable")
	f.StringVar(&opts.DecryptCmd, "decrypt-cmd", "", "open envelopes in the NSE with this program (envelope on stdin, plaintext JSON on stdout)")
	f.StringVar(&opts.Server, "server", "", "drive the team's own provider server at URL instead of the built-in one (needs --server-template)")
	f.StringVar(&opts.ServerTemplate, "server-template", "", "TOML request template for --server: its [register] and [send] requests (docs/server-template.md)")
	f.DurationVar(&opts.MockLatency, "mock-latency", 0, "the embedded mock APNs waits this long before answering each push, as mock-apns --latency does (measured, not simulated): record a slower APNs for callscope diff")
	f.StringVar(&scen, "scenario", "", "run a named scenario (or all) and print its diagnosis")
	f.StringVar(&scenFile, "scenario-file", "", "add scenarios from a TOML file")
	f.StringArrayVar(&thresholds, "threshold", nil, "exit 1 unless this holds, k6-style, e.g. 'p95(apns)<50ms', 'p99(total)<1s', 'rate(total)>=500', 'failed(total)==0'; repeatable")
	addSendAPNsFlags(f, &real, true)
	otlpOut = addOTLPFlags(cmd, "each request")
	withProfile(cmd)
	return cmd
}

// scenarioOnly refuses send's flags that a scenario run would ignore: a
// scenario brings its own device and calls, and --record is not written.
func scenarioOnly(cmd *cobra.Command) error {
	var set []string
	for _, name := range append([]string{"count", "concurrency", "kind", "video", "answer-after", "answer", "record", "record-plaintext", "device-profile", "device-set", "decrypt-cmd", "server", "server-template", "mock-latency", "otlp-file", "otlp-endpoint", "threshold", "rate"}, sendAPNsFlagNames(cmd)...) {
		if cmd.Flags().Changed(name) {
			set = append(set, "--"+name)
		}
	}
	if len(set) > 0 {
		return usageError{fmt.Errorf("%s: not with --scenario or --scenario-file (a scenario sets its own device and calls; send --scenario takes only --json)", strings.Join(set, ", "))}
	}
	return nil
}

func scenariosCommand() *cobra.Command {
	var (
		asJSON   bool
		scenFile string
	)
	cmd := &cobra.Command{
		Use:   "scenarios",
		Short: "List the failure scenarios callscope diagnoses",
		Long: "scenarios lists every named scenario: its name, the stage where it must fail, its source in the\n" +
			"failure catalogue (F-xx, docs/failures.md) or the rules in docs/, and what happens. Run one with callscope send --scenario NAME.",
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			lib, err := library(scenFile)
			if err != nil {
				return err
			}
			if asJSON {
				return scenario.ListJSON(cmd.OutOrStdout(), lib.All())
			}
			return scenario.List(cmd.OutOrStdout(), lib.All())
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&scenFile, "scenario-file", "", "add scenarios from a TOML file")
	return cmd
}

func library(file string) (*scenario.Library, error) {
	var extra []scenario.Scenario
	if file != "" {
		var err error
		if extra, err = scenario.LoadFile(file); err != nil {
			return nil, usageError{err}
		}
	}
	lib, err := scenario.NewLibrary(extra...)
	if err != nil {
		return nil, usageError{err}
	}
	return lib, nil
}

func runScenarios(cmd *cobra.Command, name, file string, asJSON bool) error {
	lib, err := library(file)
	if err != nil {
		return err
	}
	var ok bool
	switch name {
	case "all", "":
		ss := lib.All()
		if name == "" {
			// Only the file's scenarios.
			ss, _ = scenario.LoadFile(file)
		}
		ok, err = scenario.SendAll(cmd.Context(), ss, asJSON, cmd.OutOrStdout())
	default:
		s, gerr := lib.Get(name)
		if gerr != nil {
			return usageError{fmt.Errorf("--scenario: %w", gerr)}
		}
		ok, err = scenario.SendOne(cmd.Context(), s, asJSON, cmd.OutOrStdout())
	}
	if err != nil {
		return err
	}
	if !ok {
		return failedError{}
	}
	return nil
}
