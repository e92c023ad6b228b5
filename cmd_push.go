package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/callscope/callscope/transport/apns"
)

// pushOptions are push's flags.
type pushOptions struct {
	apnsFlags
	topic, deviceToken, pushType string
	priority, expiration         string
	collapseID, apnsID           string
	payload, alert               string
	mutableContent               bool
	envelopeFor, envelopeIn      string
	headers                      []string
	dryRun, asJSON               bool
	timeout                      time.Duration
}

// pushUsage marks a push flag error: exit status 2. (A local wrapper over
// usageError, so that main.go's exit-code rules can change in one place.)
func pushUsage(flag string, err error) error {
	return usageError{fmt.Errorf("%s: %w", flag, err)}
}

func pushCommand() *cobra.Command {
	var o pushOptions
	cmd := &cobra.Command{
		Use:   "push",
		Short: "Send one push to APNs (sandbox, production, a URL or the embedded mock) and explain the answer",
		Long: "push sends one notification, like the apns2 CLI or Knuff, and prints Apple's answer: status, reason,\n" +
			"apns-id, apns-unique-id, and what the reason means for this push. --dry-run prints the exact request and\n" +
			"the equivalent curl command instead, with the JWT as header and claims only, and sends nothing.\n" +
			"--apns mock (the default) runs callscope's mock APNs in this process and needs no keys. See docs/push.md.\n" +
			"--profile NAME takes every flag not given from a profile of the config file (callscope config).\n" +
			"Exit status: 0 when APNs answered 200, 1 for any other answer or no answer, 2 for bad flags.",
		Example: "  callscope push --topic com.example.app --device-token a1b2c3d4\n" +
			"  callscope push --apns sandbox --auth-key AuthKey_ABC1234567.p8 --key-id ABC1234567 --team-id TEAM123456 \\\n" +
			"    --topic com.example.app --device-token $TOKEN --dry-run\n" +
			"  callscope push --apns https://127.0.0.1:2197 --ca ca.pem --cert push.p12 --cert-password-env P12_PASSWORD \\\n" +
			"    --type voip --topic com.example.app.voip --device-token $VOIP_TOKEN --payload call.json\n" +
			"  callscope push --profile staging --device-token alice --dry-run   # the rest from the config file (docs/config.md)",
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := applyProfile(cmd); err != nil {
				return err
			}
			return profileBlame(cmd, runPush(cmd.Context(), o, cmd.InOrStdin(), cmd.OutOrStdout()))
		},
	}
	f := cmd.Flags()
	addAPNsFlags(f, &o.apnsFlags)
	f.StringVar(&o.topic, "topic", "", "apns-topic: the bundle id plus the push type's suffix (.voip, .complication, …); with --cert, default the certificate's")
	f.StringVar(&o.deviceToken, "device-token", "", "the device token in hex (with --envelope-for: default that device's)")
	f.StringVar(&o.pushType, "type", "alert", "apns-push-type: "+apns.PushTypeNames())
	f.StringVar(&o.priority, "priority", "", "apns-priority: 10, 5 or 1 (default: not sent, APNs applies 10; 5 for background)")
	f.StringVar(&o.expiration, "expiration", "", "apns-expiration: UNIX seconds, 0 (deliver once or never), or a duration from now such as 30s")
	f.StringVar(&o.collapseID, "collapse-id", "", "apns-collapse-id (at most 64 bytes)")
	f.StringVar(&o.apnsID, "apns-id", "", "apns-id, a UUID (default: APNs makes one)")
	f.StringVar(&o.payload, "payload", "", "the JSON payload from FILE, or - for stdin, sent byte for byte")
	f.StringVar(&o.alert, "alert", "", "build the payload with this alert body (default \"Test push from callscope\")")
	f.BoolVar(&o.mutableContent, "mutable-content", true, "built payloads set aps.mutable-content 1, so the Notification Service Extension runs")
	f.StringVar(&o.envelopeFor, "envelope-for", "", "seal an E2EE call request for this device (callscope keys) as the payload")
	f.StringVar(&o.envelopeIn, "envelope-in", "", "with --envelope-for: the plaintext request from FILE (default a call.invite), as envelope seal --in")
	f.StringArrayVar(&o.headers, "header", nil, "add a header NAME:VALUE, sent as given (replaces one callscope sets); repeatable")
	f.BoolVar(&o.dryRun, "dry-run", false, "print the request and a curl command; send nothing, sign nothing")
	f.BoolVar(&o.asJSON, "json", false, "print JSON")
	f.DurationVar(&o.timeout, "timeout", 30*time.Second, "give up on an answer after this long")
	profileFlags(cmd)
	return cmd
}

// pushJSON is push --json's answer: stable lower-case keys.
type pushJSON struct {
	URL          string  `json:"url"`
	PushType     string  `json:"push_type"`
	Topic        string  `json:"topic"`
	Status       int     `json:"status"`
	Reason       string  `json:"reason,omitempty"`
	ApnsID       string  `json:"apns_id,omitempty"`
	ApnsUniqueID string  `json:"apns_unique_id,omitempty"`
	Timestamp    int64   `json:"timestamp,omitempty"`
	Explanation  string  `json:"explanation,omitempty"`
	Body         string  `json:"body,omitempty"`
	LatencyMS    float64 `json:"latency_ms"`
	// Device is what the embedded mock's stand-in iPhone did with an
	// accepted push (--apns mock only).
	Device *deviceJSON `json:"device,omitempty"`
}

// deviceJSON is the stand-in's verdict: its event, note and hint.
type deviceJSON struct {
	Event string `json:"event"`
	Note  string `json:"note,omitempty"`
	Hint  string `json:"hint,omitempty"`
}

func runPush(ctx context.Context, o pushOptions, stdin io.Reader, out io.Writer) error {
	p, err := preparePush(o, stdin)
	if err != nil {
		return err
	}
	if o.dryRun {
		if o.asJSON {
			return writePushJSON(out, p.dry.JSON())
		}
		return p.dry.Render(out)
	}
	if p.mock != nil {
		m, err := p.mock.start()
		if err != nil {
			return fmt.Errorf("--apns mock: %w", err)
		}
		defer m.Close()
		p.req.Host, p.roots = m.URL(), m.RootCAs()
	}
	s, err := apns.NewSender(apns.SenderConfig{Token: p.token, Cert: p.cert, RootCAs: p.roots, Timeout: o.timeout})
	if err != nil {
		return err
	}
	defer s.CloseIdleConnections()
	start := time.Now()
	res, err := s.Send(ctx, p.req)
	took := time.Since(start)
	if err != nil {
		return fmt.Errorf("push to %s: no answer: %v", p.req.Host, err)
	}
	expl := ""
	if !res.OK() {
		expl = apns.Explain(res.Reason, apns.Context{Host: p.req.Host, PushType: p.req.PushType, Topic: p.req.Topic, Auth: p.auth})
	}
	var dev *deviceJSON
	if p.mock != nil && res.OK() {
		dev = &deviceJSON{Event: "none within 5 s"}
		if e, ok := p.mock.deviceEvent(res.ApnsID); ok {
			dev = &deviceJSON{Event: e.Name, Note: e.Attrs["note"]}
			if e.Diagnosis != nil {
				dev.Hint = e.Diagnosis.Hint
			}
		}
	}
	if o.asJSON {
		err = writePushJSON(out, pushJSON{URL: p.req.Host + p.req.Path(), PushType: p.req.PushType, Topic: p.req.Topic,
			Status: res.Status, Reason: res.Reason, ApnsID: res.ApnsID, ApnsUniqueID: res.ApnsUniqueID,
			Timestamp: res.Timestamp, Explanation: expl, Body: res.Body, LatencyMS: float64(took.Microseconds()) / 1000, Device: dev})
	} else {
		err = printAnswer(out, p, res, expl, took, dev)
	}
	if err != nil {
		return err
	}
	if !res.OK() {
		return failedError{}
	}
	return nil
}

func printAnswer(w io.Writer, p *preparedPush, res *apns.Response, expl string, took time.Duration, dev *deviceJSON) error {
	where := p.req.Host
	if p.mock != nil {
		where = "callscope's embedded mock APNs (" + p.req.Host + "; nothing left this machine)"
	}
	fmt.Fprintf(w, "POST %s → %s\n", p.req.Path(), where)
	fmt.Fprintf(w, "%s push, topic %s, %s auth, %d-byte payload\n", p.req.PushType, p.req.Topic, p.auth, len(p.req.Payload))
	if res.OK() {
		fmt.Fprintf(w, "%d accepted in %s (measured, connection set-up included): APNs took the push, which is not delivery\n",
			res.Status, took.Round(time.Microsecond))
	} else {
		fmt.Fprintf(w, "%d %s in %s (measured, connection set-up included)\n", res.Status, dashIfEmpty(res.Reason), took.Round(time.Microsecond))
	}
	fmt.Fprintf(w, "apns-id:        %s\n", dashIfEmpty(res.ApnsID))
	if res.ApnsUniqueID != "" {
		note := ""
		if apns.Environment(p.req.Host) == "sandbox" {
			note = " (look it up in Apple's Push Notifications Console)"
		}
		fmt.Fprintf(w, "apns-unique-id: %s%s\n", res.ApnsUniqueID, note)
	}
	if res.Timestamp != 0 {
		fmt.Fprintf(w, "timestamp:      %s (when APNs learned the token was no longer valid)\n", time.UnixMilli(res.Timestamp).UTC().Format(time.RFC3339))
	}
	if res.Body != "" {
		fmt.Fprintf(w, "body:           %s\n", res.Body)
	}
	if dev != nil {
		fmt.Fprintf(w, "stand-in phone: %s", dev.Event)
		if dev.Note != "" {
			fmt.Fprintf(w, ": %s", dev.Note)
		}
		if dev.Hint != "" {
			fmt.Fprintf(w, " (%s)", dev.Hint)
		}
		fmt.Fprintln(w)
		if n := p.mock.dropped.Load(); n > 0 {
			fmt.Fprintf(w, "stand-in phone: %d more events dropped\n", n)
		}
	}
	if expl != "" {
		_, err := fmt.Fprintf(w, "why:            %s\n", expl)
		return err
	}
	return nil
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func writePushJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// errNoAuth is a real host without credentials.
var errNoAuth = errors.New("APNs needs token auth (--auth-key, --key-id, --team-id) or certificate auth (--cert)")
