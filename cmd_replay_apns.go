package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/replay"
	"github.com/callscope/callscope/transport/apns"
)

// resendOptions are replay --rerun --apns's flags: where to resend the
// recorded pushes and how to sign them, as push takes them.
type resendOptions struct {
	apns, ca                        string
	port                            int
	authKey, keyID, teamID          string
	cert, certPassFile, certPassEnv string
	deviceToken                     string
	yes                             bool
	timeout                         time.Duration
}

func resendFlags(cmd *cobra.Command, o *resendOptions) {
	f := cmd.Flags()
	f.StringVar(&o.apns, "apns", "", "with --rerun: resend the recorded pushes verbatim to sandbox, production or an https:// URL (a running callscope mock-apns) instead of re-placing the calls")
	f.IntVar(&o.port, "port", 0, "with --apns: APNs port, 443 (default) or 2197")
	f.StringVar(&o.ca, "ca", "", "with --apns: trust this CA (PEM), e.g. the file mock-apns --ca-out wrote")
	f.StringVar(&o.authKey, "auth-key", "", "with --apns: token auth, the .p8 signing key (a fresh JWT; the recorded one is never kept)")
	f.StringVar(&o.keyID, "key-id", "", "with --apns: token auth, the key's 10-character id")
	f.StringVar(&o.teamID, "team-id", "", "with --apns: token auth, your 10-character team id")
	f.StringVar(&o.cert, "cert", "", "with --apns: certificate auth, a .p12 file")
	f.StringVar(&o.certPassFile, "cert-password-file", "", "with --apns: the .p12's password from FILE")
	f.StringVar(&o.certPassEnv, "cert-password-env", "", "with --apns: the .p12's password from the environment variable NAME")
	f.StringVar(&o.deviceToken, "device-token", "", "with --apns: send every push to this device token instead of the recorded ones")
	f.BoolVar(&o.yes, "yes", false, "with --apns production: confirm, the pushes reach real users' devices")
	f.DurationVar(&o.timeout, "timeout", 30*time.Second, "with --apns: give up on an answer after this long")
}

// resendOnly lists the flags only --apns takes.
var resendOnly = []string{"port", "ca", "auth-key", "key-id", "team-id", "cert", "cert-password-file", "cert-password-env", "device-token", "yes", "timeout"}

// hexToken is a device token as a path carries it; a redacted one
// ("1413f287…76f1") cannot be sent again.
var hexToken = regexp.MustCompile(`^[0-9a-fA-F]{16,200}$`)

// resent is one recorded push and APNs' answer to it then and now.
type resent struct {
	traceID string
	at      time.Duration
	req     *apns.Request
	then    *flow.PushRecord
	now     *apns.Response
	took    time.Duration
	err     error
	skip    string // why it was not sent
}

// prepareResend checks --apns and its credentials as push does, before
// anything is read or sent.
func prepareResend(o resendOptions) (*preparedPush, error) {
	if o.apns == "mock" {
		return nil, usageError{errors.New("--apns mock: the recorded device tokens are not on a fresh mock; without --apns, --rerun re-places the calls on the embedded pipeline, or give the URL of a running callscope mock-apns")}
	}
	p := &preparedPush{auth: "no", req: &apns.Request{}}
	po := pushOptions{apnsFlags: apnsFlags{apns: o.apns, ca: o.ca, port: o.port, authKey: o.authKey, keyID: o.keyID, teamID: o.teamID,
		cert: o.cert, certPassFile: o.certPassFile, certPassEnv: o.certPassEnv, yes: o.yes}}
	if err := p.host(po); err != nil {
		return nil, err
	}
	if err := p.credentials(po); err != nil {
		return nil, err
	}
	if err := checkProduction(po.apnsFlags, p.req.Host, p.dry.Cert, false); err != nil {
		return nil, err
	}
	return p, nil
}

// resendRequest is a recorded push as a request to base: the path's token
// (or --device-token), the payload byte for byte, and every recorded header
// but authorization (a fresh JWT signs it) and those of the transport.
func resendRequest(base, token string, rec *flow.PushRecord) (*apns.Request, string) {
	if rec.Method != "" && rec.Method != "POST" {
		return nil, "recorded method " + rec.Method + ", not a push"
	}
	if token == "" {
		token = strings.TrimPrefix(rec.Path, "/3/device/")
		if !hexToken.MatchString(token) {
			return nil, "the device token is not in the trace (redacted); give --device-token"
		}
	}
	r := &apns.Request{Host: base, DeviceToken: strings.ToLower(token), Payload: []byte(rec.Payload)}
	for name, v := range rec.Headers {
		switch n := strings.ToLower(name); {
		case n == "authorization", n == "content-length", n == "host", n == "content-type", strings.HasPrefix(n, ":"):
		default:
			r.Extra = append(r.Extra, apns.Header{Name: n, Value: v})
		}
	}
	return r, ""
}

func runResend(cmd *cobra.Command, path string, o replayOptions, p *preparedPush) error {
	bad := &badLines{w: cmd.ErrOrStderr()}
	fold := replay.NewFold()
	if err := replay.Read(path, func(e flow.Event) { fold.Add(e) }, bad.report); err != nil {
		return fmt.Errorf("%s: reading stopped: %w", path, err)
	}
	var runs []resent
	var first time.Time
	for _, c := range fold.Calls() {
		if !o.filter.Match(c) {
			continue
		}
		rec := fold.Push(c.TraceID)
		if first.IsZero() {
			first = c.Started
		}
		r := resent{traceID: c.TraceID, at: max(0, c.Started.Sub(first)), then: rec}
		if rec == nil {
			r.skip = "no push on record (a trace from before pushes were kept)"
		} else {
			r.req, r.skip = resendRequest(p.req.Host, o.resend.deviceToken, rec)
		}
		runs = append(runs, r)
	}
	if len(runs) == 0 {
		return errors.Join(bad.err(path), noCalls(path, o.filter))
	}
	s, err := apns.NewSender(apns.SenderConfig{Token: p.token, Cert: p.cert, RootCAs: p.roots, Timeout: o.resend.timeout})
	if err != nil {
		return err
	}
	defer s.CloseIdleConnections()
	resendAsRecorded(cmd.Context(), s, runs, o.speed)
	same := printResent(cmd.OutOrStdout(), p.req.Host, runs, o.json)
	if err := bad.err(path); err != nil {
		return err
	}
	if !same {
		return failedError{}
	}
	return nil
}

// resendAsRecorded sends each push at its call's recorded offset, divided
// by speed.
func resendAsRecorded(ctx context.Context, s *apns.Sender, runs []resent, speed float64) {
	start := time.Now()
	var wg sync.WaitGroup
	for i := range runs {
		r := &runs[i]
		if r.req == nil {
			continue
		}
		if wait := time.Until(start.Add(time.Duration(float64(r.at) / speed))); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
			}
		}
		if ctx.Err() != nil {
			r.err = ctx.Err()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			r.now, r.err = s.Send(ctx, r.req)
			r.took = time.Since(t0)
		}()
	}
	wg.Wait()
}

// answer is APNs' answer as one word or two: "200", "400 BadDeviceToken".
func answer(status int, reason string) string {
	if status == 0 {
		return "—"
	}
	return strings.TrimSpace(fmt.Sprintf("%d %s", status, reason))
}

type resentJSON struct {
	TraceID string `json:"trace_id"`
	Then    string `json:"then"`
	Now     string `json:"now,omitempty"`
	TookUS  int64  `json:"took_us,omitempty"`
	Skipped string `json:"skipped,omitempty"`
	Error   string `json:"error,omitempty"`
}

// printResent prints each push's answer then and now; same is false when
// any answer's status differs, or a push got none.
func printResent(w io.Writer, host string, runs []resent, asJSON bool) (same bool) {
	same = true
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	enc := json.NewEncoder(w)
	if !asJSON {
		fmt.Fprintf(w, "resent to %s, recorded gaps kept; every recorded header but authorization, the payload byte for byte\n", host)
		fmt.Fprintln(tw, "CALL\tTHEN\tNOW\tTOOK\t")
	}
	sent, skipped := 0, 0
	for _, r := range runs {
		j := resentJSON{TraceID: r.traceID, Skipped: r.skip}
		if r.then != nil {
			j.Then = answer(r.then.Status, r.then.Reason)
		}
		switch {
		case r.skip != "":
			skipped++
		case r.err != nil:
			same = false
			j.Error = "no answer: " + r.err.Error()
		default:
			sent++
			j.Now, j.TookUS = answer(r.now.Status, r.now.Reason), r.took.Microseconds()
			if r.then.Status != 0 && r.then.Status != r.now.Status {
				same = false
			}
		}
		if asJSON {
			enc.Encode(j)
			continue
		}
		now, took := j.Now, flow.FormatDuration(r.took)
		switch {
		case j.Skipped != "":
			now, took = "not sent: "+j.Skipped, ""
		case j.Error != "":
			now, took = j.Error, ""
		case r.then.Status != 0 && r.then.Status != r.now.Status:
			took += "  ✗ changed"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", head8(r.traceID), dashIfEmpty(j.Then), now, took)
	}
	if !asJSON {
		tw.Flush()
		fmt.Fprintf(w, "%d pushes resent, %d not sent\n", sent, skipped)
	}
	return same
}
