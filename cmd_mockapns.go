package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/bus"
	"github.com/callscope/callscope/flow/trace"
	"github.com/callscope/callscope/transport/apnsmock"
)

// mockAPNsOptions are mock-apns's flags, before they become an apnsmock.Config.
type mockAPNsOptions struct {
	listen, caOut, cert, key  string
	providerKeys, topics      []string
	devices, voip, unreg, exp []string
	environment, record       string
	otlp                      *otlpFlags // --otlp-file, --otlp-endpoint
	envKeyReason              string
	eventsTo                  string
	headless                  bool
	theme                     string // the screen's --theme (theme_flag.go)
	log                       string // --log: push, event or none
	cpuProfile                string // --cpu-profile (hidden): where bench apns's profile goes
	faults                    apnsmock.Faults
	goAwayAfter               int
	goAwayLast                uint32
	idle                      time.Duration
	errorLimit                int
	maxConns                  int           // --max-connections
	maxStreams                uint32        // --max-streams
	readTimeout               time.Duration // --read-timeout
	forward                   forwardFlags
	deviceLink                string // --device-link: where callscope device processes link
	standIn                   bool   // --stand-in: unlinked tokens get the in-process stand-in
	clientCert                clientCertFlags
}

// forwardFlags are the store-and-forward faults' flags (docs/mock-apns.md).
type forwardFlags struct {
	delay, holdOffline, reorder []string
	window                      time.Duration
}

func (ff *forwardFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	const sel = " SELECTOR is all, a push type (alert, voip, …) or a device token (repeatable)"
	f.StringArrayVar(&ff.delay, "delay", nil, "fault: hold each push this long before delivering it: [SELECTOR=]DURATION, e.g. 20s or voip=20s;"+sel)
	f.StringArrayVar(&ff.holdOffline, "hold-while-offline", nil, "fault: keep apns-expiration 0 pushes for an offline device and deliver them when it reconnects, as seen in the field: --hold-while-offline[=SELECTOR];"+sel)
	f.Lookup("hold-while-offline").NoOptDefVal = "all"
	f.StringArrayVar(&ff.reorder, "reorder", nil, "fault: deliver each group of N pushes to a device newest first: [SELECTOR=]N, e.g. 2 or alert=2;"+sel)
	f.DurationVar(&ff.window, "reorder-window", time.Second, "how long a --reorder group waits for its Nth push before what it has goes out, newest first")
}

func (ff forwardFlags) parse() (apnsmock.Forward, error) {
	fw, err := apnsmock.ParseForward(ff.delay, ff.holdOffline, ff.reorder)
	if err != nil {
		return fw, err
	}
	if ff.window <= 0 {
		return fw, fmt.Errorf("--reorder-window %s: must be positive", ff.window)
	}
	fw.ReorderWindow = ff.window
	return fw, nil
}

func mockAPNsCommand() *cobra.Command {
	var o mockAPNsOptions
	cmd := &cobra.Command{
		Use:   "mock-apns",
		Short: "Run the mock APNs alone, for a provider server of your own",
		Long: "mock-apns runs callscope's mock of Apple Push Notification service: HTTP/2 over TLS (ALPN h2), validating\n" +
			"each push as APNs does and answering with Apple's statuses and JSON reasons. Point your provider at the URL\n" +
			"it prints and trust the CA it writes with --ca-out. Accepted pushes go to simulated devices, which record\n" +
			"what iOS does with them. On a terminal it shows them on the screen; --headless logs one line per push (--log).\n" +
			"See docs/mock-apns.md for the curl command and the JWT recipe.",
		Example: "  callscope mock-apns --ca-out ca.pem --provider-key ABC1234567:TEAM123456:AuthKey.p8 --topic org.example.app",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runMockAPNs(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:2197", "address to listen on (2197 is APNs' alternative port)")
	f.StringVar(&o.caOut, "ca-out", "", "write the PEM of the CA that signed the mock's certificate to FILE")
	f.StringVar(&o.cert, "cert", "", "serve this certificate (PEM) instead of a generated one; needs --key")
	f.StringVar(&o.key, "key", "", "the private key (PEM) of --cert")
	f.StringArrayVar(&o.providerKeys, "provider-key", nil, providerKeyUsage+": a key a provider signs tokens with; "+
		"alone a team key for both environments, :sandbox/:production scope it, topic= makes it topic-specific; "+
		"the mock uses its public half (repeatable; docs/mock-apns.md)")
	f.StringVar(&o.envKeyReason, "bad-environment-key-reason", "BadEnvironmentKeyIdInToken",
		"the reason for a key of the other environment: BadEnvironmentKeyIdInToken (Apple's table) or BadEnvironmentKeyInToken (as field reports show APNs answering)")
	f.StringArrayVar(&o.topics, "topic", nil, "a bundle id the mock knows (repeatable)")
	f.StringArrayVar(&o.devices, "device", nil, "a device token (hex) that exists; with any, only listed tokens exist (repeatable)")
	f.StringArrayVar(&o.voip, "voip-device", nil, "a PushKit VoIP token (hex): only valid on the .voip topic (repeatable)")
	f.StringArrayVar(&o.unreg, "unregistered", nil, "a device token answered 410 Unregistered (repeatable)")
	f.StringArrayVar(&o.exp, "expired", nil, "a device token answered 410 ExpiredToken (repeatable)")
	f.StringVar(&o.environment, "environment", "sandbox", "sandbox or production")
	f.StringVar(&o.record, "record", "", "write every event to FILE as JSON lines, off the request path: a disk that falls behind drops events, counted in the trace and at exit")
	f.StringVar(&o.eventsTo, "events-to", "", "POST events as JSON lines to a callscope ingest URL (token from CALLSCOPE_INGEST_TOKEN)")
	f.BoolVar(&o.headless, "headless", false, "log lines instead of the screen")
	addThemeFlag(f, &o.theme)
	f.StringVar(&o.log, "log", "push", logUsage)
	f.StringVar(&o.cpuProfile, "cpu-profile", "", "write a Go CPU profile of the run to FILE (for profiling the mock under bench apns)")
	_ = f.MarkHidden("cpu-profile")
	f.DurationVar(&o.faults.Latency, "latency", 0, "fault: add this latency to every answer")
	f.IntVar(&o.faults.TooManyRequests, "too-many-requests", 0, "fault: answer 429 TooManyRequests beyond N pushes per device token per second")
	f.IntVar(&o.faults.InternalErrorEvery, "fail-500-every", 0, "fault: answer every Nth valid push 500 InternalServerError")
	f.IntVar(&o.faults.UnavailableEvery, "fail-503-every", 0, "fault: answer every Nth valid push 503 ServiceUnavailable")
	f.BoolVar(&o.faults.Shutdown, "shutdown", false, "fault: answer 503 Shutdown and close with GOAWAY {\"reason\":\"Shutdown\"}")
	f.BoolVar(&o.faults.Stall, "stall", false, "fault: leave pushes unanswered until --idle-timeout, then 400 IdleTimeout")
	f.IntVar(&o.goAwayAfter, "goaway-after", 0, "fault: send GOAWAY after N requests on each connection")
	f.Uint32Var(&o.goAwayLast, "goaway-last-stream", 0, "fault: the Last-Stream-ID of --goaway-after's GOAWAY")
	f.IntVar(&o.faults.ResetAfter, "reset-after", 0, "fault: reset the TCP connection after N requests on it")
	f.BoolVar(&o.faults.CertEnvironmentMismatch, "cert-env-mismatch", false, "fault: treat client certificates as the other environment's (GOAWAY BadCertificateEnvironment)")
	f.DurationVar(&o.idle, "idle-timeout", time.Hour, "close connections idle this long with GOAWAY IdleTimeout")
	f.IntVar(&o.errorLimit, "error-limit", 100, "errors a connection may pile up before the mock closes it (410 not counted)")
	f.IntVar(&o.maxConns, "max-connections", 4096, "provider connections open at once; more are closed as they are accepted, and counted (0: 4096)")
	f.Uint32Var(&o.maxStreams, "max-streams", 1000, "SETTINGS_MAX_CONCURRENT_STREAMS once a connection's token verifies (1 before, as APNs; 0: 1000)")
	f.DurationVar(&o.readTimeout, "read-timeout", 10*time.Second, "limit for a new connection's TLS handshake, preface and first SETTINGS, and for each frame once begun (0: 10s)")
	o.forward.add(cmd)
	deviceLinkFlags(cmd, &o)
	o.clientCert.add(cmd)
	o.otlp = addOTLPFlags(cmd, "each push")
	return cmd
}

func runMockAPNs(ctx context.Context, o mockAPNsOptions, out io.Writer) (err error) {
	cfg, err := o.config()
	if err != nil {
		return usageError{err}
	}
	if err := checkTheme(o.theme); err != nil {
		return err
	}
	mode, err := parseLogMode(o.log)
	if err != nil {
		return usageError{err}
	}
	if o.cpuProfile != "" {
		stop, err := startCPUProfile(o.cpuProfile)
		if err != nil {
			return usageError{err}
		}
		defer stop()
	}
	// The output files first: a mock that starts and then cannot write
	// them has served nothing worth having.
	if err := writable("--record", o.record); err != nil {
		return err
	}
	if err := writable("--ca-out", o.caOut); err != nil {
		return err
	}
	cc, err := o.clientCert.prepare(o)
	if err != nil {
		return err
	}
	if err := o.otlp.validate(true); err != nil {
		return err
	}
	// Without --headless, on a terminal, the events go to the screen; the
	// log would scribble over it.
	var screen *bus.Subscription
	var outs mockOutputs
	var sinks []flow.Sink
	if !o.headless && isTerminal(out) {
		b := bus.New()
		screen = b.Subscribe(screenBuffer) // before the first push can arrive
		sinks = []flow.Sink{b}
	} else {
		outs.log = newAsyncLog(mockLog(out), mode)
		sinks = []flow.Sink{outs.log}
	}
	// Deferred first, so it runs after the mock's Close: every event is in.
	defer func() {
		lines, cerr := outs.close()
		if l := screenDrops(dropSource{"of the mock's", screen}); l != "" {
			lines = append(lines, l)
		}
		if err == nil { // a mock that never started has nothing to count
			for _, l := range lines {
				fmt.Fprintln(out, l)
			}
		}
		err = errors.Join(err, cerr)
	}()
	if o.record != "" {
		rec, err := trace.CreateWithHeader(o.record, trace.Header{Mode: "mock-apns", Environment: cfg.Environment})
		if err != nil {
			return usageError{err}
		}
		outs.record, outs.rec = o.record, rec
		sinks = append(sinks, rec)
	}
	if o.eventsTo != "" {
		is, err := apnsmock.NewIngestSink(o.eventsTo, os.Getenv("CALLSCOPE_INGEST_TOKEN"))
		if err != nil {
			return usageError{fmt.Errorf("--events-to %w", err)}
		}
		outs.is = is
		sinks = append(sinks, is)
	}
	ot, otFinish, err := o.otlp.sink(ctx, out)
	if err != nil {
		return err
	}
	if ot != nil {
		// Deferred before m.Close, so it runs after: every push is in.
		defer func() { err = errors.Join(err, otFinish()) }()
		sinks = append(sinks, ot)
	}
	cfg.Sink = flow.SinkFunc(func(e flow.Event) {
		for _, s := range sinks {
			s.Emit(e)
		}
	})
	if len(sinks) == 1 {
		cfg.Sink = sinks[0]
	}
	// The log alone never reads a push's record (its headers and payload):
	// no push pays for one.
	cfg.NoPushRecord = len(sinks) == 1 && outs.log != nil
	linkOptions(&cfg, o, outs.log)
	m, err := apnsmock.New(cfg)
	if err != nil {
		return usageError{startError(err, o)}
	}
	defer m.Close()
	ca := "the certificate given with --cert (its issuer is yours to trust)"
	if o.caOut != "" && o.cert == "" {
		if err := m.WriteCA(o.caOut); err != nil {
			return usageError{fmt.Errorf("--ca-out %s: %w", o.caOut, err)}
		}
		ca = o.caOut + " (curl --cacert " + o.caOut + ")"
	} else if o.cert == "" {
		ca = "not written: pass --ca-out FILE to trust the mock"
	}
	if cc != nil {
		if err := cc.write(m); err != nil {
			return usageError{fmt.Errorf("--client-cert-out %s: %w", cc.path, err)}
		}
	}
	fmt.Fprintf(out, "mock APNs (%s) listening on %s\n", cfg.Environment, m.URL())
	fmt.Fprintf(out, "CA: %s\n", ca)
	if cc != nil {
		fmt.Fprintln(out, cc.describe(m.URL(), o.caOut))
	}
	for _, k := range cfg.Keys {
		fmt.Fprintln(out, describeKey(k, cfg.Environment))
	}
	if len(cfg.Keys) == 0 {
		certs := "certificates it issued still work (--client-cert-out FILE.p12)"
		if cc != nil {
			certs = "the client certificate above still works"
		}
		fmt.Fprintln(out, "no --provider-key: token-auth pushes get 403 InvalidProviderToken; "+certs)
	}
	printDeviceLink(out, m, o)
	fmt.Fprintf(out, "topics: %s\n", orNone(cfg.Topics))
	if fw := cfg.Faults.Forward; !fw.Empty() {
		fmt.Fprintf(out, "store-and-forward faults: %s\n", fw)
	}
	if len(cfg.Devices)+len(cfg.VoIPDevices) == 0 {
		fmt.Fprintln(out, "devices: none listed, so any well-formed token exists; "+standInNote(o))
	} else {
		until := ""
		if cfg.DeviceLinkAddr != "" {
			until = " until their device links"
		}
		fmt.Fprintf(out, "devices: %d listed; other tokens get 400 BadDeviceToken%s\n", len(cfg.Devices)+len(cfg.VoIPDevices), until)
	}
	if screen != nil {
		return runMockScreen(ctx, screen, m.URL(), cfg.Environment, ca, outs.losses(), o.theme)
	}
	<-ctx.Done()
	// Through the log, so that they come after the lines it still holds.
	outs.log.Line("mock APNs: shutting down")
	if n := m.RefusedConns(); n > 0 {
		outs.log.Line(fmt.Sprintf("mock APNs: %d connections refused at accept: --max-connections %d were open", n, cfg.MaxConns))
	}
	return nil
}

func (o mockAPNsOptions) config() (apnsmock.Config, error) {
	cfg := apnsmock.Config{Addr: o.listen, Environment: o.environment, Topics: o.topics, Devices: o.devices,
		VoIPDevices: o.voip, Unregistered: o.unreg, Expired: o.exp, AnyDevice: len(o.devices)+len(o.voip) == 0,
		Faults: o.faults, IdleTimeout: o.idle, ErrorLimit: o.errorLimit, CertFile: o.cert, KeyFile: o.key,
		MaxConns: o.maxConns, MaxStreams: o.maxStreams, ReadTimeout: o.readTimeout}
	if o.maxConns < 0 {
		return cfg, fmt.Errorf("--max-connections %d: may not be negative", o.maxConns)
	}
	if o.readTimeout < 0 {
		return cfg, fmt.Errorf("--read-timeout %s: may not be negative", o.readTimeout)
	}
	if o.environment != "sandbox" && o.environment != "production" {
		return cfg, fmt.Errorf("--environment %q: want sandbox or production", o.environment)
	}
	if (o.cert == "") != (o.key == "") {
		return cfg, errors.New("--cert and --key go together")
	}
	if o.cert != "" && o.caOut != "" {
		return cfg, errors.New("--ca-out: not with --cert: the mock has no CA of its own then; trust your certificate's issuer")
	}
	fw, err := o.forward.parse()
	if err != nil {
		return cfg, err
	}
	cfg.Faults.Forward = fw
	if o.goAwayAfter > 0 {
		cfg.Faults.GoAway = &apnsmock.GoAwayFault{After: o.goAwayAfter, LastStreamID: o.goAwayLast}
	}
	if o.envKeyReason != "BadEnvironmentKeyIdInToken" && o.envKeyReason != "BadEnvironmentKeyInToken" {
		return cfg, fmt.Errorf("--bad-environment-key-reason %q: want BadEnvironmentKeyIdInToken or BadEnvironmentKeyInToken", o.envKeyReason)
	}
	cfg.BadEnvironmentKeyReason = o.envKeyReason
	if cfg.Keys, err = parseProviderKeys(o.providerKeys); err != nil {
		return cfg, err
	}
	for _, l := range []struct {
		flag   string
		tokens []string
	}{{"--device", o.devices}, {"--voip-device", o.voip}, {"--unregistered", o.unreg}, {"--expired", o.exp}} {
		for _, t := range l.tokens {
			if t == "" || len(t)%2 != 0 || strings.Trim(strings.ToLower(t), "0123456789abcdef") != "" {
				return cfg, fmt.Errorf("%s %q: not an even-length hex device token", l.flag, t)
			}
		}
	}
	return cfg, nil
}

// startError names the flag behind a start-up failure.
func startError(err error, o mockAPNsOptions) error {
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "listen "):
		return fmt.Errorf("--listen %s: %s", o.listen, msg[strings.LastIndex(msg, ": ")+2:])
	case strings.HasPrefix(msg, "--"):
		return err
	case strings.HasPrefix(msg, "provider key "):
		return fmt.Errorf("--provider-key %s", strings.TrimPrefix(msg, "provider key "))
	case strings.HasPrefix(msg, "device link: listen "):
		return fmt.Errorf("--device-link %s: %s", o.deviceLink, msg[strings.LastIndex(msg, ": ")+2:])
	}
	return fmt.Errorf("mock APNs: %w", err)
}

func orNone(v []string) string {
	if len(v) == 0 {
		return "none (every push gets 400 TopicDisallowed; pass --topic BUNDLEID)"
	}
	return strings.Join(v, ", ")
}
