package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/callscope/callscope/flow/bus"
	"github.com/callscope/callscope/flow/pipeline"
	"github.com/callscope/callscope/transport/apns"
	"github.com/callscope/callscope/transport/ingest"
	"github.com/callscope/callscope/ui"
)

// sendAPNs are the flags that point send (and the screen) at a real APNs:
// the shared --apns and auth flags, and the real devices to push to.
type sendAPNs struct {
	apnsFlags
	topic  string
	tokens []string
	dryRun bool
}

// addSendAPNsFlags adds the shared APNs flags (addAPNsFlags) and
// --device-token and --topic; dryRun adds --dry-run (send only).
func addSendAPNsFlags(f *pflag.FlagSet, s *sendAPNs, dryRun bool) {
	addAPNsFlags(f, &s.apnsFlags)
	f.StringArrayVar(&s.tokens, "device-token", nil, "with --apns sandbox|production|URL: a real device's token in hex, as the app got it from APNs; repeatable")
	f.StringVar(&s.topic, "topic", "", "with --apns sandbox|production|URL: the app's bundle id, the apns-topic of the alert pushes (with --cert: default the certificate's)")
	if dryRun {
		f.BoolVar(&s.dryRun, "dry-run", false, "print each push the run would send (request, payload, curl command); send nothing")
	}
}

// sendTargetTimeout bounds one push to a real APNs, as push's default.
const sendTargetTimeout = 30 * time.Second

// target checks the flags and returns the APNs to push to, and the dry-run
// view of its pushes (the auth part: the request is filled per push). For
// --apns mock it returns a nil target: the embedded default runs, as ever.
// A production target needs --yes, unless the screen asks before its first
// send (asks).
func (s sendAPNs) target(asks bool) (*pipeline.Target, apns.DryRun, error) {
	if s.apns == "mock" {
		var set []string
		for flag, v := range map[string]bool{"--device-token": len(s.tokens) > 0, "--topic": s.topic != "", "--auth-key": s.authKey != "",
			"--key-id": s.keyID != "", "--team-id": s.teamID != "", "--cert": s.cert != "", "--ca": s.ca != "", "--port": s.port != 0} {
			if v {
				set = append(set, flag)
			}
		}
		if len(set) > 0 {
			return nil, apns.DryRun{}, usageError{fmt.Errorf("%s: for --apns sandbox, production or a URL; --apns mock (the default) simulates its own iPhone and makes its own key",
				strings.Join(slices.Sorted(slices.Values(set)), ", "))}
		}
		return nil, apns.DryRun{}, nil
	}
	o := pushOptions{apnsFlags: s.apnsFlags, topic: s.topic, pushType: "alert", dryRun: s.dryRun}
	p := &preparedPush{auth: "no", req: &apns.Request{Topic: s.topic, PushType: "alert"}}
	if err := p.host(o); err != nil {
		return nil, apns.DryRun{}, err
	}
	if err := p.credentials(o); err != nil {
		return nil, apns.DryRun{}, err
	}
	if p.token == nil && p.cert == nil {
		// A URL with no auth: send's provider server signs every push.
		return nil, apns.DryRun{}, usageError{fmt.Errorf("--apns %s: %w", s.apns, errNoAuth)}
	}
	if err := checkProduction(s.apnsFlags, p.req.Host, p.dry.Cert, s.dryRun || asks); err != nil {
		return nil, apns.DryRun{}, err
	}
	if len(s.tokens) == 0 {
		return nil, apns.DryRun{}, usageError{errors.New("--device-token: a real APNs pushes to real devices: give the token the app got (repeatable)")}
	}
	devs, err := targetDevices(s.tokens, p.req.Topic)
	if err != nil {
		return nil, apns.DryRun{}, err
	}
	t := &pipeline.Target{Host: p.req.Host, Topic: p.req.Topic, Devices: devs, Token: p.token, Cert: p.cert, RootCAs: p.roots, Timeout: sendTargetTimeout}
	return t, p.dry, nil
}

// targetDevices checks each token and topic as APNs would (apns.Request's
// Validate) and finds the device's envelope key in callscope keys, when it
// was imported there.
func targetDevices(tokens []string, topic string) ([]pipeline.TargetDevice, error) {
	st, err := keyStore()
	if err != nil {
		return nil, err
	}
	known, err := st.List()
	if err != nil {
		return nil, err
	}
	devs := make([]pipeline.TargetDevice, 0, len(tokens))
	for _, tok := range tokens {
		tok = strings.ToLower(tok)
		r := apns.Request{DeviceToken: tok, Topic: topic, PushType: "alert", Payload: []byte(`{"aps":{}}`)}
		if err := r.Validate(); err != nil {
			var fe *apns.FieldError
			if errors.As(err, &fe) {
				return nil, usageError{fmt.Errorf("%s: %s", flagFor[fe.Field], fe.Msg)}
			}
			return nil, usageError{err}
		}
		d := pipeline.TargetDevice{Token: tok}
		for _, k := range known {
			if strings.EqualFold(k.Token, tok) {
				s, pub, err := k.Current()
				if err != nil {
					return nil, err
				}
				d.Name, d.Scheme, d.Public = k.Name, s.Name(), pub
				break
			}
		}
		devs = append(devs, d)
	}
	return devs, nil
}

// sendDryRun is send --dry-run: each push the run would send, shown as
// push --dry-run shows one, and nothing sent. With the embedded mock the
// pushes are the ones its provider server would build for its simulated
// iPhone, sealed and all.
func sendDryRun(ctx context.Context, opts pipeline.SendOptions, dry apns.DryRun, out io.Writer) error {
	if opts.Target == nil {
		tok, err := pipeline.RandomToken()
		if err != nil {
			return err
		}
		opts.Target = &pipeline.Target{Host: "https://127.0.0.1", Topic: pipeline.DefaultBundleID, Devices: []pipeline.TargetDevice{{Token: tok}}}
		dry = apns.DryRun{KeyID: pipeline.DefaultKeyID, TeamID: pipeline.DefaultTeamID, KeySource: "the key the embedded run makes at start",
			IssuedAt: time.Now(), HostNote: "callscope's embedded mock APNs, on a free port when run"}
	}
	reqs, err := pipeline.DryRequests(ctx, opts)
	if err != nil {
		return err
	}
	if opts.JSON {
		js := make([]apns.DryRunJSON, len(reqs))
		for i, r := range reqs {
			d := dry
			d.Request = r
			js[i] = d.JSON()
		}
		return writePushJSON(out, js)
	}
	for i, r := range reqs {
		fmt.Fprintf(out, "── push %d of %d ──\n", i+1, len(reqs))
		d := dry
		d.Request = r
		if err := d.Render(out); err != nil {
			return err
		}
		if i < len(reqs)-1 {
			fmt.Fprintln(out)
		}
	}
	return nil
}

// sendAPNsFlagNames are the APNs flags send has (a scenario brings its own
// APNs: the embedded mock).
func sendAPNsFlagNames(cmd *cobra.Command) []string {
	var names []string
	for _, n := range []string{"apns", "port", "ca", "auth-key", "key-id", "team-id", "cert", "cert-password-file", "cert-password-env", "yes", "device-token", "topic", "dry-run"} {
		if cmd.Flags().Lookup(n) != nil {
			names = append(names, n)
		}
	}
	return names
}

// simulatedOnly refuses, against a real APNs, the flags that describe the
// simulated iPhone: the real one answers as its user does.
func simulatedOnly(cmd *cobra.Command, t *pipeline.Target) error {
	if t == nil {
		return nil
	}
	var set []string
	for _, n := range []string{"answer", "answer-after", "device-profile", "device-set", "decrypt-cmd"} {
		if f := cmd.Flags().Lookup(n); f != nil && f.Changed {
			set = append(set, "--"+n)
		}
	}
	if len(set) > 0 {
		return usageError{fmt.Errorf("%s: these set up the simulated iPhone; with a real APNs the callee is a real device", strings.Join(set, ", "))}
	}
	return nil
}

// targetScreen is the screen's header and first status against a real
// APNs: the target as a badge (red for production, whose first send asks
// to confirm), and what the screen can see of a real iPhone.
func targetScreen(theme string, outside *bus.Subscription, t *pipeline.Target, srv *ingest.Server) ui.Options {
	env := apns.Environment(t.Host)
	badge := env + " APNs"
	switch env {
	case "production":
		badge = "PRODUCTION APNs"
	case "":
		badge = "APNs at " + strings.TrimPrefix(t.Host, "https://")
	}
	endpoints := "APNs " + t.Host
	device := fmt.Sprintf("%d real device(s) %s…: waiting for device events (--ingest)", len(t.Devices), t.Devices[0].Token[:8])
	status := "n compose · enter send · the callee is a real device: its stages appear only from --ingest · ? help"
	if srv != nil {
		endpoints += " · ingest " + srv.URL()
	} else {
		device = fmt.Sprintf("%d real device(s) %s…: no device events (start with --ingest to see them)", len(t.Devices), t.Devices[0].Token[:8])
	}
	// ModeReal: a real phone answers, so a and d are not offered.
	return ui.Options{Theme: theme, Outside: outside, Status: status, Mode: ui.ModeReal, Header: ui.Header{
		Mode: "real APNs", Target: badge, Production: isProduction(t.Host, certInfo(t)), Endpoints: endpoints, Device: device, Clock: "real time",
	}}
}

// certInfo is the target's certificate as apns describes it, nil for token auth.
func certInfo(t *pipeline.Target) *apns.CertInfo {
	if t.Cert == nil || t.Cert.Leaf == nil {
		return nil
	}
	ci := apns.DescribeCert(t.Cert.Leaf)
	return &ci
}
