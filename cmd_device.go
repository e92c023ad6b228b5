package main

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/callscope/callscope/crypto/keyring"
	"github.com/callscope/callscope/crypto/replay"
	"github.com/callscope/callscope/crypto/scheme"
	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/device"
	"github.com/callscope/callscope/flow/pipeline"
	flowtrace "github.com/callscope/callscope/flow/trace"
	"github.com/callscope/callscope/transport/apnsmock"
	"github.com/callscope/callscope/transport/devicelink"
)

// deviceOptions are the device command's flags.
type deviceOptions struct {
	link, ca, token, keys, sch, eventsTo string
	topics                               []string
	record                               string // --record FILE
	otlp                                 *otlpFlags
	recordPlaintext                      bool
	eventsPlaintext                      bool
	profile                              pipeline.SendOptions // only ProfileFile and ProfileSet
	timeScale                            float64
}

func deviceCommand() *cobra.Command {
	var o deviceOptions
	cmd := &cobra.Command{
		Use:   "device",
		Short: "Run a simulated iPhone as its own process, linked to a callscope mock-apns",
		Long: "device runs the callee's simulated iPhone (its Notification Service Extension, PushKit and CallKit, by the\n" +
			"rules of a device profile) as its own process. Like an iPhone, it keeps one persistent TLS connection to\n" +
			"APNs, here a callscope mock-apns's device link, and receives every push over it; the mock then knows its\n" +
			"token for its --topic bundle ids. It prints one line per event; with --events-to it posts them to a callscope\n" +
			"ingest endpoint too. It trusts the caller signing keys of callscope keys, each for the caller handles stored\n" +
			"with it (keys import --signer --handle H FILE).\n" +
			"Simulated iPhone time (app launch, the callee answering) runs in real time, scaled by --time-scale.\n" +
			"See docs/device-link.md for the link and a two-process walk-through.",
		Example: "  callscope mock-apns --ca-out ca.pem --provider-key ABC1234567:TEAM123456:key.p8 --topic org.example.app\n" +
			"  callscope device --apns-device-link 127.0.0.1:2198 --ca ca.pem --topic org.example.app",
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDevice(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.link, "apns-device-link", "127.0.0.1:2198", "address (HOST:PORT) of the mock APNs's device link: mock-apns --device-link")
	f.StringVar(&o.ca, "ca", "", "the CA (PEM file) that signed the mock's certificate, as mock-apns --ca-out FILE writes it; required")
	f.StringVar(&o.profile.ProfileFile, "device-profile", "", "the iPhone from a TOML profile (see the README)")
	f.StringArrayVar(&o.profile.ProfileSet, "device-set", nil, "change one device profile parameter, KEY=VALUE; repeatable")
	f.StringVar(&o.token, "token", "", "the device token, hex (default: the --keys device's, else a random one, printed)")
	f.StringVar(&o.keys, "keys", "", "open envelopes with this device's keys from callscope keys (default: a fresh key pair, printed)")
	f.StringVar(&o.sch, "scheme", scheme.Default, "scheme of the fresh key pair when --keys is not given")
	f.StringArrayVar(&o.topics, "topic", []string{pipeline.DefaultBundleID}, "a bundle id whose pushes this device takes (repeatable)")
	f.StringVar(&o.eventsTo, "events-to", "", "POST events as JSON lines to a callscope ingest URL (token from CALLSCOPE_INGEST_TOKEN)")
	f.BoolVar(&o.eventsPlaintext, "events-plaintext", false, "with --events-to, send what the device decrypted (the invite, a message's title and body); off, it is left out")
	f.Float64Var(&o.timeScale, "time-scale", 1, "run simulated iPhone time this many times faster than real time")
	addRecordFlags(f, &o.record, &o.recordPlaintext)
	o.otlp = addOTLPFlags(cmd, "each push")
	return cmd
}

// deviceSetup is what the flags make: checked before anything starts.
type deviceSetup struct {
	prof    device.Profile
	pool    *x509.CertPool
	token   string
	ring    *keyring.Ring
	signers *keyring.Signers // callers trusted in the keys store (keys new --signing, keys import --signer)
	about   []string         // lines describing the identity
}

func (o deviceOptions) setup() (deviceSetup, error) {
	var s deviceSetup
	var err error
	if _, _, err := net.SplitHostPort(o.link); err != nil {
		return s, fmt.Errorf("--apns-device-link %q: want HOST:PORT", o.link)
	}
	if o.ca == "" {
		return s, errors.New("--ca FILE is required: the mock's CA (mock-apns --ca-out FILE)")
	}
	pem, err := os.ReadFile(o.ca)
	if err != nil {
		return s, fmt.Errorf("--ca %s: %v", o.ca, errors.Unwrap(err))
	}
	s.pool = x509.NewCertPool()
	if !s.pool.AppendCertsFromPEM(pem) {
		return s, fmt.Errorf("--ca %s: no PEM certificate in it", o.ca)
	}
	if o.timeScale <= 0 {
		return s, fmt.Errorf("--time-scale %g: want a number above 0", o.timeScale)
	}
	if s.prof, err = o.profile.Profile(); err != nil {
		return s, err
	}
	for _, t := range o.topics {
		if t == "" || strings.ContainsAny(t, " /") {
			return s, fmt.Errorf("--topic %q: want a bundle id", t)
		}
	}
	if o.token != "" && !devicelink.ValidToken(o.token) {
		return s, fmt.Errorf("--token %q: not an even-length hex device token", o.token)
	}
	s.token = strings.ToLower(o.token)
	if o.keys != "" {
		if err := s.fromKeyring(o.keys); err != nil {
			return s, err
		}
		return s, s.trustSigners()
	}
	if _, err := scheme.ByName(o.sch); err != nil {
		return s, fmt.Errorf("--scheme: %w", err)
	}
	k, err := keyring.Generate(o.sch, rand.Reader)
	if err != nil {
		return s, err
	}
	s.ring = keyring.NewRing(k)
	if s.token == "" {
		var b [32]byte
		_, _ = rand.Read(b[:])
		s.token = hex.EncodeToString(b[:])
	}
	s.about = append(s.about, fmt.Sprintf("keys          a fresh %s key pair, not saved (use --keys NAME for one of callscope keys)", o.sch),
		"kid           "+base64.RawURLEncoding.EncodeToString(k.KID()),
		"public key    "+base64.RawURLEncoding.EncodeToString(k.Public()))
	return s, s.trustSigners()
}

// trustSigners trusts the callers' signing keys in the keys store, as
// envelope open does: without them every signed push would be E_SIG.
func (s *deviceSetup) trustSigners() error {
	st, err := keyStore()
	if err != nil {
		return err
	}
	if s.signers, err = st.Trusted(); err != nil {
		return fmt.Errorf("trusted signing keys: %w", err)
	}
	names := make([]string, 0, len(s.signers.List()))
	for _, sg := range s.signers.List() {
		names = append(names, sg.Name+" (for "+sg.Trust.String()+")")
	}
	if len(names) == 0 {
		names = append(names, "none (callscope keys import --signer --handle H FILE trusts a caller's for H; signed pushes are E_SIG until then)")
	}
	s.about = append(s.about, "signers       "+strings.Join(names, ", "))
	return nil
}

// fromKeyring takes the identity of a device made with callscope keys.
func (s *deviceSetup) fromKeyring(name string) error {
	st, err := keyStore()
	if err != nil {
		return err
	}
	d, err := st.Get(name)
	if err != nil {
		return fmt.Errorf("--keys: %w", err)
	}
	if s.ring, err = d.Ring(); err != nil {
		return fmt.Errorf("--keys %s: %w", name, err)
	}
	p, err := d.Public()
	if err != nil {
		return fmt.Errorf("--keys %s: %w", name, err)
	}
	if s.token == "" {
		s.token = strings.ToLower(p.DeviceToken)
	}
	s.about = append(s.about, "keys          "+name+" ("+d.Path()+"; seal for it with callscope envelope seal --to "+name+")",
		"kid           "+p.KID, "public key    "+p.PublicKey)
	return nil
}

func runDevice(ctx context.Context, o deviceOptions, out io.Writer) (err error) {
	s, err := o.setup()
	if err != nil {
		return usageError{err}
	}
	if err := writable("--record", o.record); err != nil {
		return err
	}
	if err := o.otlp.validate(true); err != nil {
		return err
	}
	log := deviceLog(out)
	sinks := []flow.Sink{log}
	if o.eventsTo != "" {
		is, ierr := apnsmock.NewIngestSink(o.eventsTo, os.Getenv("CALLSCOPE_INGEST_TOKEN"))
		if ierr != nil {
			return usageError{fmt.Errorf("--events-to %w", ierr)}
		}
		// Events not delivered fail the run (stderr, exit 1), as mock-apns's.
		defer func() { err = errors.Join(err, is.Close()) }()
		sinks = append(sinks, eventsSink(is, o.eventsPlaintext))
	}
	env := s.prof.Environment
	if env == "" {
		env = "sandbox"
	}
	if o.record != "" {
		h := flowtrace.Header{Mode: "device", Environment: env, Endpoints: map[string]string{"device_link": o.link},
			Devices: traceDevice(s.prof.Name, s.prof)}
		rec, rerr := startRecord(o.record, o.recordPlaintext, h)
		if rerr != nil {
			return usageError{rerr}
		}
		// Deferred before d.Close, so it runs after: every event is in.
		// The recorder's queue never blocks the device; drops fail the run.
		defer func() { err = errors.Join(err, rec.finish()) }()
		sinks = append(sinks, rec.rec)
	}
	ot, otFinish, err := o.otlp.sink(ctx, out)
	if err != nil {
		return err
	}
	if ot != nil {
		// Deferred before d.Close, so it runs after: every event is in.
		defer func() { err = errors.Join(err, otFinish()) }()
		sinks = append(sinks, ot)
	}
	sink := flow.SinkFunc(func(e flow.Event) {
		for _, k := range sinks {
			k.Emit(e)
		}
	})
	d := &device.Callee{Profile: s.prof, Token: s.token, Ring: s.ring, Signers: s.signers, Replay: replay.NewMemory(), Sink: sink,
		Clock: flow.RealClock{Scale: o.timeScale}, Signal: nopSignal{}}
	d.Start(ctx)
	defer d.Close()

	fmt.Fprintf(out, "device        %s (simulated, iOS %s, aps-environment %s)\n", s.prof.Name, s.prof.IOS, env)
	fmt.Fprintf(out, "device token  %s\n", s.token)
	for _, l := range s.about {
		fmt.Fprintln(out, l)
	}
	fmt.Fprintf(out, "topics        %s\n", strings.Join(o.topics, ", "))
	fmt.Fprintf(out, "linking to    %s (TLS 1.3, CA %s)\n", o.link, o.ca)

	refused := make(chan error, 1)
	c, err := devicelink.Start(ctx, devicelink.ClientConfig{Addr: o.link, RootCAs: s.pool, Token: s.token, Topics: o.topics,
		Environment: env, Device: s.prof.Name, Receiver: forwardNote{d, log}, OnState: func(st devicelink.State) {
			switch {
			case st.Up:
				log.line(fmt.Sprintf("link up       %s → %s; APNs sends %d stored push(es) first (a push its faults hold comes when they release it)", st.Local, st.Remote, st.Stored))
			case st.Final:
				var re *devicelink.RefusedError
				if errors.As(st.Err, &re) {
					refused <- re
				}
			default:
				log.line(fmt.Sprintf("link down     %v; retrying in %s", st.Err, st.Retry))
			}
		}})
	if err != nil {
		return usageError{err}
	}
	defer c.Close()
	select {
	case <-ctx.Done():
		log.line("device: shutting down")
		return nil
	case err := <-refused:
		return err
	}
}

// forwardNote prints what APNs's store-and-forward did to a push before the
// device takes it: the record travels in the push frame, and without this
// line a push that APNs held (mock-apns --delay, --hold-while-offline,
// --reorder) would look like one that came at once.
type forwardNote struct {
	next devicelink.Receiver
	log  *eventLog
}

func (r forwardNote) Deliver(p flow.Push) {
	if fw := p.Forward; fw != nil {
		clock := "measured by APNs"
		if fw.Simulated {
			clock = "simulated"
		}
		line := fmt.Sprintf("%s %-9s %-26s apns-id=%s fault=%q held=%q", time.Now().Format("15:04:05.000"), flow.StageAPNs, "forwarded",
			p.ApnsID, fw.Fault, flow.FormatDuration(fw.Held)+" ("+clock+")")
		if fw.Overtaken > 0 {
			line += fmt.Sprintf(" overtaken=%q", fmt.Sprintf("%d newer push(es) delivered first, from %s", fw.Overtaken, fw.OvertakenBy))
		}
		r.log.line(line)
	}
	r.next.Deliver(p)
}

type nopSignal struct{}

// Signal drops the device's news for the caller: in its own process the
// device has no caller app to tell; its events say the same.
func (nopSignal) Signal(device.Signal) {}

// eventsSink is what --events-to sends: decrypted text crosses the wire to
// the ingest endpoint (plain HTTP, maybe another machine) only when
// --events-plaintext asks for it, as a trace keeps it only with
// --record-plaintext.
const eventsPlaintextOmitted = "[plaintext not sent: device --events-plaintext sends it]"

func eventsSink(s flow.Sink, plaintext bool) flow.Sink {
	if plaintext {
		return s
	}
	return flow.SinkFunc(func(e flow.Event) { s.Emit(flow.RedactPlaintextAs(e, eventsPlaintextOmitted)) })
}
