package pipeline

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/sideshow/apns2"

	"github.com/callscope/callscope/crypto/keyring"
	"github.com/callscope/callscope/crypto/receiver"
	"github.com/callscope/callscope/crypto/replay"
	"github.com/callscope/callscope/crypto/scheme"
	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/bus"
	"github.com/callscope/callscope/flow/device"
	"github.com/callscope/callscope/transport/apns"
	"github.com/callscope/callscope/transport/apnsmock"
	"github.com/callscope/callscope/transport/devicelink"
	"github.com/callscope/callscope/transport/provider"
)

// Config describes a run on the embedded default. The zero value works.
type Config struct {
	Clock   flow.Clock     // nil: virtual
	Profile device.Profile // zero: device.DefaultProfile()
	Scheme  string         // envelope scheme; "" = scheme.Default
	// CallTimeout ends a request that has not concluded, naming the stage
	// where it stopped. Zero: 15 s on a virtual clock, else the ring timeout
	// plus 30 s.
	CallTimeout time.Duration
	Caller      string // caller handle
	CallerName  string
	Callee      string // callee user
	BundleID    string

	// Devices are the callee's iPhones (and iPads); all ring for a call.
	// Empty: one device with Profile.
	Devices []device.Profile
	// Faults injected by scenarios: on the caller's side, in how the server
	// builds pushes, and at APNs.
	Sender device.SenderFaults
	Push   provider.PushOptions
	APNs   APNsFaults
	// Decrypt is the team's own decryptor the NSE uses (--decrypt-cmd); nil: VPE1.
	Decrypt receiver.Decryptor
	// Server, when set, is the team's own provider server the sender drives
	// instead of the built-in one (--server, --server-template).
	Server *TeamServer
	// Target, when set, replaces the embedded mock and the simulated callee:
	// the provider server pushes to a real APNs (real.go).
	Target *Target
}

// Defaults of the embedded run.
const (
	DefaultCaller     = "alice@example.org"
	DefaultCallerName = "Alice"
	DefaultCallee     = "bob@example.org"
	DefaultBundleID   = "org.callscope.demo"
	// Key and team ids of the provider key made at start (10 characters, as Apple issues them).
	DefaultKeyID  = "CSKEY00001"
	DefaultTeamID = "CSTEAM0001"
)

// Pipeline is one running embedded default.
type Pipeline struct {
	cfg    Config
	bus    *bus.Bus
	mock   *apnsmock.Server
	server *provider.Server
	sender *provider.Client // the caller app's connection to the server
	team   *teamServer      // instead of server and sender: a team's own server
	client *apns2.Client
	// apnsSender is the provider server's client against a Target.
	apnsSender *apns.Sender
	caller     *device.Caller
	callees    []*device.Callee
	// links are the devices' persistent TLS connections to the mock, as
	// each iPhone keeps one to APNs; pushes reach the devices over them.
	linkMu sync.Mutex
	links  []*devicelink.Client
	byTok  map[string]*devicelink.Client
	// cutting are the devices whose link cutLinks closed, until the mock
	// has seen it drop.
	cutting map[string]chan struct{}

	// open holds the requests in flight, each with its own tracker and
	// lock: every event of a busy run passes here, and one lock for all of
	// them was the run's most contended.
	mu   sync.RWMutex
	open map[string]*tracker
	// sending guards wg.Add against Close's wg.Wait: the screen may send
	// while the user quits.
	sending sync.Mutex
	closed  bool
	wg      sync.WaitGroup
	ctx     context.Context
	stop    context.CancelFunc
}

func (c *Config) fill() {
	if c.Clock == nil {
		c.Clock = flow.NewSimClock()
	}
	if c.Profile.Name == "" {
		c.Profile = device.DefaultProfile()
	}
	if len(c.Devices) == 0 {
		c.Devices = []device.Profile{c.Profile}
	}
	if c.Scheme == "" {
		c.Scheme = scheme.Default
	}
	if c.Caller == "" {
		c.Caller, c.CallerName = DefaultCaller, DefaultCallerName
	}
	if c.Callee == "" {
		c.Callee = DefaultCallee
	}
	if c.BundleID == "" {
		c.BundleID = DefaultBundleID
	}
	if c.CallTimeout == 0 {
		c.CallTimeout = 15 * time.Second
		if !c.Clock.Virtual() {
			c.CallTimeout = c.Profile.RingTimeout + c.Profile.AnswerAfter + 30*time.Second
		}
	}
}

// New starts every stage of the embedded default: a provider key and a mock
// APNs with its CA, the provider server, and the callee's iPhone with its key
// pair, registered with the server and linked to APNs.
func New(ctx context.Context, cfg Config) (*Pipeline, error) {
	cfg.fill()
	if cfg.Target != nil {
		return newTarget(ctx, cfg)
	}
	p := &Pipeline{cfg: cfg, bus: bus.New(), open: map[string]*tracker{}}
	p.ctx, p.stop = context.WithCancel(ctx)
	sink := flow.SinkFunc(p.emit)

	signKey, err := apns.GenerateKey()
	if err != nil {
		return nil, err
	}
	tokens := make([]string, len(cfg.Devices))
	for i := range tokens {
		if tokens[i], err = randomToken(); err != nil {
			return nil, err
		}
	}
	// The embedded APNs is the sandbox. A device whose build says
	// aps-environment production holds a production token, which the
	// sandbox does not know: 400 BadDeviceToken (F-06).
	var known []string
	for i, prof := range cfg.Devices {
		if prof.Environment != "production" {
			known = append(known, tokens[i])
		}
	}
	mcfg := apnsmock.Config{
		Environment: "sandbox",
		Keys:        []apnsmock.ProviderKey{{KeyID: DefaultKeyID, TeamID: DefaultTeamID, Public: &signKey.PublicKey}},
		Topics:      []string{cfg.BundleID},
		Devices:     known,
		Sink:        sink,
		// The devices link over real TLS sockets, as iPhones do to APNs.
		DeviceLinkAddr: "127.0.0.1:0",
		OnLink:         p.onLink,
	}
	if cfg.APNs.Unregistered {
		mcfg.Unregistered = tokens
	}
	if mcfg.Faults.Forward, err = cfg.APNs.Forward(); err != nil {
		return nil, fmt.Errorf("apns: %w", err)
	}
	mcfg.Faults.Latency = cfg.APNs.Latency
	mcfg.Clock = cfg.Clock // store-and-forward delays pass in the devices' time
	// A reorder group waits in wall time for its pushes, which a loaded
	// machine may be slow to send: twice the standalone mock's second.
	mcfg.Faults.Forward.ReorderWindow = 2 * time.Second
	if cfg.Server != nil {
		if p.team, err = newTeamServer(cfg.Server, sink); err != nil {
			return nil, err
		}
		if err := p.team.mockConfig(&mcfg); err != nil {
			return nil, err
		}
	}
	if cfg.APNs.UnknownToken {
		other, err := randomToken()
		if err != nil {
			return nil, err
		}
		mcfg.Devices = []string{other}
	}
	if p.mock, err = apnsmock.New(mcfg); err != nil {
		if p.team != nil {
			return nil, fmt.Errorf("%s: [apns] (the mock APNs for the team's server at %s): %w", p.team.tpl.File, mcfg.Addr, err)
		}
		return nil, fmt.Errorf("mock APNs: %w", err)
	}
	client, err := apns.NewClient(apns.Config{Host: p.mock.URL(), KeyID: DefaultKeyID, TeamID: DefaultTeamID,
		Key: signKey, RootCAs: p.mock.RootCAs(), ClockSkew: cfg.APNs.JWTAge})
	if err != nil {
		p.Close()
		return nil, err
	}
	p.client = client
	var (
		pc       device.Provider
		register func(context.Context, provider.Device) error
	)
	if p.team != nil {
		if err := p.team.writeCA(p.mock.CACertPEM()); err != nil {
			p.Close()
			return nil, err
		}
		pc, register = p.team, p.team.register
	} else {
		p.server = provider.NewServer(client, sink)
		p.server.Options = cfg.Push
		if err := p.server.Listen("127.0.0.1:0"); err != nil {
			p.Close()
			return nil, err
		}
		p.sender = provider.NewClient(p.server.URL())
		pc, register = p.sender, p.sender.Register
	}
	// The caller signs its requests and the callee's devices trust its key,
	// as an app that verified its contact's identity key does.
	signer, err := keyring.GenerateSigning(rand.Reader)
	if err != nil {
		p.Close()
		return nil, err
	}
	p.caller = &device.Caller{Handle: cfg.Caller, Name: cfg.CallerName, Provider: pc, Sink: sink, Faults: cfg.Sender, Signer: signer}
	for i, prof := range cfg.Devices {
		if err := p.addDevice(register, prof, tokens[i], sink); err != nil {
			p.Close()
			return nil, err
		}
	}
	if err := p.cutLinks(); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

func randomToken() (string, error) {
	var tok [32]byte
	if _, err := rand.Read(tok[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(tok[:]), nil
}

// addDevice makes one of the callee's devices: its key pair, its link to
// APNs, and its registration with the provider server (as the app does).
func (p *Pipeline) addDevice(register func(context.Context, provider.Device) error, prof device.Profile, token string, sink flow.Sink) error {
	key, err := keyring.Generate(p.cfg.Scheme, rand.Reader)
	if err != nil {
		return err
	}
	d := &device.Callee{Profile: prof, Token: token, Ring: keyring.NewRing(key), Replay: replay.NewMemory(),
		Sink: sink, Clock: p.cfg.Clock, Signal: p, Sent: p.caller.Sealed, Decrypt: p.cfg.Decrypt, Signers: p.caller.Trusted()}
	d.Start(p.ctx)
	p.callees = append(p.callees, d)
	if !p.cfg.APNs.Offline {
		if err := p.link(d); err != nil {
			return err
		}
	}
	return register(p.ctx, provider.Device{User: p.cfg.Callee, Token: token, Topic: p.cfg.BundleID,
		Environment: prof.Environment, Scheme: p.cfg.Scheme, KID: base64.RawURLEncoding.EncodeToString(key.KID()),
		PublicKey: base64.RawURLEncoding.EncodeToString(key.Public()), Name: prof.Name})
}

// Signal relays a device's news to the caller; when one device answers or
// declines, the others stop ringing (answeredElsewhere, declinedElsewhere), as
// the apps tell each other.
func (p *Pipeline) Signal(s device.Signal) {
	if (s.Kind == device.SignalAnswered || s.Kind == device.SignalDeclined) && len(p.callees) > 1 {
		for _, d := range p.callees {
			if d.Profile.Name != s.Device {
				d.EndElsewhere(s.CallID, s.Kind == device.SignalDeclined)
			}
		}
	}
	p.caller.Signal(s)
}

// emit is every stage's sink: the tracker first, so outcomes never depend on
// a reader keeping up, then the bus.
func (p *Pipeline) emit(e flow.Event) {
	e = flow.Redact(e)
	if p.cfg.Target != nil {
		var answer *flow.Event
		if e, answer = p.targetEvents(e); answer != nil {
			defer p.emit(*answer)
		}
	}
	p.mu.RLock()
	t := p.open[e.TraceID]
	p.mu.RUnlock()
	open := t != nil
	if open {
		t.add(e)
	}
	p.bus.EmitRedacted(e)
	if open && p.team != nil && !p.team.relays && e.Stage == flow.StageAPNs && e.Name == "rejected" && e.Diagnosis != nil {
		// A team's server that does not relay APNs's answer: the mock's
		// rejection is what tells the caller (teamserver.go).
		p.caller.Signal(device.Signal{TraceID: e.TraceID, Kind: device.SignalFailed, Diag: e.Diagnosis})
	}
	if open && e.Stage == flow.StageAPNs && (e.Name == "replaced" || e.Name == "dropped") {
		// APNs will never deliver this push: that device is done.
		p.caller.Signal(device.Signal{TraceID: e.TraceID, Kind: device.SignalFailed, Diag: &flow.Diagnosis{
			Stage: flow.StageAPNs, Code: flow.CodeNotDelivered,
			Detail: "APNs " + e.Name + " the push (" + e.Attrs["why"] + ")",
			Hint:   "a call push to an offline device can be replaced by any later push to the app; keep expiration short and resend over the app's own connection"}})
	}
}

// Bus is where every event of the run is published.
func (p *Pipeline) Bus() *bus.Bus { return p.bus }

// Endpoints describes where the stages run, for headers and logs.
func (p *Pipeline) Endpoints() (provider, apns string) {
	if p.team != nil {
		return p.cfg.Server.URL, p.mock.URL()
	}
	if p.cfg.Target != nil {
		return p.server.URL(), p.cfg.Target.Host
	}
	return p.server.URL(), p.mock.URL()
}

// DeviceToken is the first callee device's APNs token.
func (p *Pipeline) DeviceToken() string {
	if p.cfg.Target != nil {
		return p.cfg.Target.Devices[0].Token
	}
	return p.callees[0].Token
}

// Settle waits until every push on a device link has been received and every
// device is idle (nothing queued, no app work, no ringing call) or ctx ends:
// late events (a hang-up, a replay, a second device) are then all published.
// APNs's 200 only means accepted: delivery may still be on the wire.
func (p *Pipeline) Settle(ctx context.Context) error {
	if p.mock == nil {
		return nil // a real APNs: nothing here holds or delivers pushes
	}
	if err := p.mock.Settle(ctx); err != nil { // pushes APNs still holds (store-and-forward faults)
		return err
	}
	if err := p.mock.WaitDelivered(ctx); err != nil {
		return err
	}
	for _, d := range p.callees {
		if err := d.Settle(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Config is the configuration in force, defaults filled in.
func (p *Pipeline) Config() Config { return p.cfg }

// Close stops every stage and waits for requests in flight.
func (p *Pipeline) Close() {
	p.sending.Lock()
	p.closed = true
	p.sending.Unlock()
	p.stop()
	p.wg.Wait()
	for _, d := range p.callees {
		d.Close()
	}
	p.linkMu.Lock()
	for _, c := range p.links {
		_ = c.Close()
	}
	p.linkMu.Unlock()
	if p.server != nil {
		p.sender.Close() // no idle keep-alive connection left to wait for
		_ = p.server.Close()
	}
	if p.team != nil {
		p.team.close()
	}
	if p.apnsSender != nil {
		p.apnsSender.CloseIdleConnections()
	}
	if p.client != nil {
		// Without its client connections the mock shuts down at once
		// instead of waiting out HTTP/2's graceful GOAWAY.
		p.client.CloseIdleConnections()
	}
	if p.mock != nil {
		_ = p.mock.Close()
	}
	p.bus.Close()
}
