package pipeline

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sideshow/apns2"
	"github.com/sideshow/apns2/token"

	"github.com/callscope/callscope/crypto/keyring"
	"github.com/callscope/callscope/crypto/scheme"
	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/bus"
	"github.com/callscope/callscope/flow/device"
	"github.com/callscope/callscope/transport/apns"
	"github.com/callscope/callscope/transport/provider"
)

// Target is an APNs the provider server pushes to instead of the embedded
// mock: Apple's sandbox or production, or one at a URL (a running
// callscope mock-apns). Its callee is a real iPhone, which this run does
// not simulate: the run sees the sender, the server and APNs' answer, and
// only what a device reports through --ingest beyond that.
type Target struct {
	Host    string // base URL, as apns.ResolveAPNs returns it
	Topic   string // the app's bundle id: the sender's alert pushes go to it
	Devices []TargetDevice
	// Token or Cert authenticates the one apns.Sender of the run: one JWT
	// for every push, renewed inside Apple's window, never one per push.
	Token   *token.Token
	Cert    *tls.Certificate
	RootCAs *x509.CertPool // nil: the system's
	Timeout time.Duration  // one push; zero: apns2's 60 s
	// Dry, when set, is handed each push instead of sending it (send
	// --dry-run): nothing connects to Host.
	Dry func(*apns.Request)
}

// TargetDevice is one real device the caller seals for.
type TargetDevice struct {
	Token string // hex, as the app got it from APNs
	Name  string
	// Scheme and Public are the device's envelope key (callscope keys
	// import); a nil Public seals for a throwaway key made for this run,
	// which the app cannot open (Throwaway says so).
	Scheme string
	Public []byte
}

// Throwaway reports whether the device's envelopes are sealed for a key
// made for this run.
func (d TargetDevice) Throwaway() bool { return d.Public == nil }

// Auth names the target's authentication for explanations.
func (t *Target) Auth() string {
	switch {
	case t.Cert != nil:
		return "certificate"
	case t.Token != nil:
		return "token"
	}
	return ""
}

// Environment is the environment the devices registered with: Apple's for
// its hosts; sandbox for a URL (a mock, a proxy), as callscope's mock is.
func (t *Target) Environment() string {
	if e := apns.Environment(t.Host); e != "" {
		return e
	}
	return "sandbox"
}

// context is what apns.Explain knows about the target's pushes.
func (t *Target) context() apns.Context {
	return apns.Context{Host: t.Host, PushType: "alert", Topic: t.Topic, Auth: t.Auth()}
}

// errDryRun answers each push of a dry run: it was shown, not sent.
var errDryRun = errors.New("dry run: not sent")

// newTarget starts the stages a run against a Target has: the caller and
// the provider server, which pushes with one apns.Sender (or hands each
// push to Target.Dry). No mock and no simulated callee.
func newTarget(ctx context.Context, cfg Config) (*Pipeline, error) {
	t := cfg.Target
	if len(t.Devices) == 0 {
		return nil, errors.New("a real APNs needs the device tokens to push to")
	}
	p := &Pipeline{cfg: cfg, bus: bus.New(), open: map[string]*tracker{}}
	p.ctx, p.stop = context.WithCancel(ctx)
	sink := flow.SinkFunc(p.emit)
	var pusher provider.Pusher = dryPusher{t}
	if t.Dry == nil {
		s, err := apns.NewSender(apns.SenderConfig{Token: t.Token, Cert: t.Cert, RootCAs: t.RootCAs, Timeout: t.Timeout})
		if err != nil {
			return nil, err
		}
		p.apnsSender = s
		pusher = senderPusher{host: t.Host, s: s}
	}
	p.server = provider.NewServer(pusher, sink)
	p.server.Options = cfg.Push
	if err := p.server.Listen("127.0.0.1:0"); err != nil {
		p.Close()
		return nil, err
	}
	pc := provider.NewClient(p.server.URL())
	p.sender = pc
	signer, err := keyring.GenerateSigning(rand.Reader)
	if err != nil {
		p.Close()
		return nil, err
	}
	p.caller = &device.Caller{Handle: cfg.Caller, Name: cfg.CallerName, Provider: pc, Sink: sink, Faults: cfg.Sender, Signer: signer}
	for i, d := range t.Devices {
		if err := p.registerTarget(pc, d, i); err != nil {
			p.Close()
			return nil, err
		}
	}
	return p, nil
}

// registerTarget registers a real device with the provider server, as its
// app would after getting its token.
func (p *Pipeline) registerTarget(pc *provider.Client, d TargetDevice, i int) error {
	sch, pub := d.Scheme, d.Public
	if pub == nil {
		sch = p.cfg.Scheme
		k, err := keyring.Generate(sch, rand.Reader)
		if err != nil {
			return err
		}
		pub = k.Public()
	}
	s, err := scheme.ByName(sch)
	if err == nil {
		err = s.CheckPublic(pub)
	}
	if err != nil {
		return fmt.Errorf("device %s: %w", d.Token, err)
	}
	name := d.Name
	if name == "" {
		name = fmt.Sprintf("iPhone %d (real)", i+1)
	}
	return pc.Register(p.ctx, provider.Device{User: p.cfg.Callee, Token: strings.ToLower(d.Token), Topic: p.cfg.Target.Topic,
		Environment: p.cfg.Target.Environment(), Scheme: sch, KID: base64.RawURLEncoding.EncodeToString(keyring.KID(s, pub)),
		PublicKey: base64.RawURLEncoding.EncodeToString(pub), Name: name})
}

// accept ends a request whose pushes APNs answered and whose devices this
// run does not drive: what APNs said is all it knows. A 200 is accepted,
// not delivered (flow.OutcomeAccepted); a device that reports through
// --ingest later tells where the push really ended. A request whose every
// push APNs refused has already failed with Apple's reason: Accepted leaves
// it alone.
func (p *Pipeline) accept(placed device.Placed) {
	p.caller.Accepted(placed.TraceID)
}

// targetEvents is what a run against a Target adds to an event: the APNs
// lane's answer, as the provider server measured it (no mock reports it),
// and the explanation of a refusal for this host, push type and auth.
func (p *Pipeline) targetEvents(e flow.Event) (flow.Event, *flow.Event) {
	t := p.cfg.Target
	if d := e.Diagnosis; d != nil && d.Code == flow.CodeAPNsRejected && d.Apple != "" {
		cp := *d
		cp.Hint = apns.Explain(d.Apple, t.context())
		e.Diagnosis = &cp
	}
	if e.Stage != flow.StageServer || (e.Name != "apns-accepted" && e.Name != "apns-rejected") {
		return e, nil
	}
	a := flow.Event{TraceID: e.TraceID, CallID: e.CallID, ApnsID: e.ApnsID, Stage: flow.StageAPNs, Time: e.Time, Duration: e.Duration,
		Name: flow.NameAccepted, Diagnosis: e.Diagnosis,
		Attrs: map[string]string{"status": e.Attrs["status"], "host": hostOf(t.Host), "measured": "round trip at the provider server"}}
	if e.Name == "apns-rejected" {
		a.Name = "rejected"
		a.Attrs["reason"] = e.Attrs["reason"]
	}
	if v := e.Attrs["apns-unique-id"]; v != "" {
		a.Attrs["apns-unique-id"] = v
	}
	return e, &a
}

func hostOf(base string) string { return strings.TrimPrefix(base, "https://") }

// senderPusher is the provider server's APNs client against a Target: one
// apns.Sender, so one cached JWT, for every push of the run.
type senderPusher struct {
	host string
	s    *apns.Sender
}

func (sp senderPusher) PushWithContext(ctx apns2.Context, n *apns2.Notification) (*apns2.Response, error) {
	r, err := RequestOf(sp.host, n)
	if err != nil {
		return nil, err
	}
	res, err := sp.s.Send(ctx, r)
	if err != nil {
		return nil, err
	}
	out := &apns2.Response{StatusCode: res.Status, Reason: res.Reason, ApnsID: res.ApnsID, ApnsUniqueID: res.ApnsUniqueID}
	if res.Timestamp != 0 {
		out.Timestamp = apns2.Time{Time: time.UnixMilli(res.Timestamp)}
	}
	if res.Body != "" && out.Reason == "" {
		out.Reason = res.Body // not Apple's JSON: show what came back
	}
	return out, nil
}

// dryPusher hands each push to Target.Dry and sends nothing.
type dryPusher struct{ t *Target }

func (dp dryPusher) PushWithContext(_ apns2.Context, n *apns2.Notification) (*apns2.Response, error) {
	r, err := RequestOf(dp.t.Host, n)
	if err != nil {
		return nil, err
	}
	dp.t.Dry(r)
	return nil, errDryRun
}

// RequestOf is the push the provider server built, as apns.Sender puts it
// on the wire: what a dry run shows is what is sent.
func RequestOf(host string, n *apns2.Notification) (*apns.Request, error) {
	var body []byte
	switch p := n.Payload.(type) {
	case []byte:
		body = p
	default:
		var err error
		if body, err = json.Marshal(p); err != nil {
			return nil, err
		}
	}
	r := &apns.Request{Host: host, DeviceToken: n.DeviceToken, Topic: n.Topic, PushType: string(n.PushType),
		CollapseID: n.CollapseID, ApnsID: n.ApnsID, Payload: body}
	if n.Priority > 0 {
		r.Priority = strconv.Itoa(n.Priority)
	}
	// apns2 sends apns-expiration for any time after the epoch, in seconds:
	// one nanosecond after it is "0", deliver once or never.
	if n.Expiration.After(time.Unix(0, 0)) {
		r.Expiration = strconv.FormatInt(n.Expiration.Unix(), 10)
	}
	return r, nil
}

// targetNotes are send's notes on a run against a Target: what it can and
// cannot see.
func targetNotes(t *Target) []string {
	notes := []string{"real APNs " + hostOf(t.Host) + ": the callee is a real device, not simulated; " +
		"\"accepted\" means APNs took the push, not that the phone rang (its events reach callscope only through --ingest)"}
	for _, d := range t.Devices {
		if d.Throwaway() {
			notes = append(notes, "device "+shortToken(d.Token)+": sealed for a key made for this run, which the app cannot open "+
				"(callscope keys import its public key to seal for it)")
		}
	}
	return notes
}

func shortToken(tok string) string {
	if len(tok) <= 12 {
		return tok
	}
	return tok[:8] + "…"
}

// DryRequests runs send's path as far as APNs, sending nothing: the caller
// seals each request, the provider server builds each push, and the pushes
// come back as apns.Sender would put them on the wire, in order.
func DryRequests(ctx context.Context, opts SendOptions) ([]*apns.Request, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	t := *opts.Target
	var (
		mu   sync.Mutex
		reqs []*apns.Request
	)
	t.Dry = func(r *apns.Request) {
		mu.Lock()
		reqs = append(reqs, r)
		mu.Unlock()
	}
	p, err := New(ctx, Config{Target: &t})
	if err != nil {
		return nil, err
	}
	req := p.Compose()
	req.Kind, req.Video = opts.Kind, opts.Video
	p.PlaceMany(ctx, req, opts.Count, 1, func(flow.Call) {})
	p.Close()
	mu.Lock()
	defer mu.Unlock()
	return reqs, nil
}

// RandomToken is a device token as APNs issues them: 32 random bytes, hex.
func RandomToken() (string, error) { return randomToken() }
