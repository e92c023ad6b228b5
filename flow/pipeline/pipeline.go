package pipeline

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/callscope/callscope/crypto/keyring"
	"github.com/callscope/callscope/crypto/scheme"
	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/bus"
	"github.com/callscope/callscope/flow/device"
	"github.com/callscope/callscope/transport/apns"
	"github.com/callscope/callscope/transport/apnsmock"
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
	caller *device.Caller
	callee *device.Callee
	unlink func()

	mu    sync.Mutex
	calls *flow.Calls
	open  map[string]bool
	wg    sync.WaitGroup
	ctx   context.Context
	stop  context.CancelFunc
}

func (c *Config) fill() {
	if c.Clock == nil {
		c.Clock = flow.VirtualClock{}
	}
	if c.Profile == (device.Profile{}) {
		c.Profile = device.DefaultProfile()
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
	p := &Pipeline{cfg: cfg, bus: bus.New(), calls: flow.NewCalls(), open: map[string]bool{}}
	p.ctx, p.stop = context.WithCancel(ctx)
	sink := flow.SinkFunc(p.emit)

	signKey, err := apns.GenerateKey()
	if err != nil {
		return nil, err
	}
	var tok [32]byte
	if _, err := rand.Read(tok[:]); err != nil {
		return nil, err
	}
	token := hex.EncodeToString(tok[:])
	p.mock, err = apnsmock.New(apnsmock.Config{
		Environment: "sandbox",
		Keys:        []apnsmock.ProviderKey{{KeyID: DefaultKeyID, TeamID: DefaultTeamID, Public: &signKey.PublicKey}},
		Topics:      []string{cfg.BundleID},
		Devices:     []string{token},
		Sink:        sink,
	})
	if err != nil {
		return nil, fmt.Errorf("mock APNs: %w", err)
	}
	client, err := apns.NewClient(apns.Config{Host: p.mock.URL(), KeyID: DefaultKeyID, TeamID: DefaultTeamID,
		Key: signKey, RootCAs: p.mock.RootCAs()})
	if err != nil {
		p.Close()
		return nil, err
	}
	p.server = provider.NewServer(client, sink)
	if err := p.server.Listen("127.0.0.1:0"); err != nil {
		p.Close()
		return nil, err
	}
	pc := provider.NewClient(p.server.URL())
	p.caller = &device.Caller{Handle: cfg.Caller, Name: cfg.CallerName, Provider: pc, Sink: sink}

	key, err := keyring.Generate(cfg.Scheme, rand.Reader)
	if err != nil {
		p.Close()
		return nil, err
	}
	p.callee = &device.Callee{Profile: cfg.Profile, Token: token, Ring: keyring.NewRing(key), Sink: sink,
		Clock: cfg.Clock, Signal: p.caller}
	p.callee.Start(p.ctx)
	p.unlink = p.mock.Connect(token, p.callee)
	err = pc.Register(p.ctx, provider.Device{User: cfg.Callee, Token: token, Topic: cfg.BundleID, Environment: "sandbox",
		Scheme: cfg.Scheme, KID: base64.RawURLEncoding.EncodeToString(key.KID()),
		PublicKey: base64.RawURLEncoding.EncodeToString(key.Public()), Name: cfg.Profile.Name})
	if err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// emit is every stage's sink: the tracker first, so outcomes never depend on
// a reader keeping up, then the bus.
func (p *Pipeline) emit(e flow.Event) {
	e = flow.Redact(e)
	p.mu.Lock()
	if p.open[e.TraceID] {
		p.calls.Apply(e)
	}
	p.mu.Unlock()
	p.bus.Emit(e)
}

// Bus is where every event of the run is published.
func (p *Pipeline) Bus() *bus.Bus { return p.bus }

// Endpoints describes where the stages run, for headers and logs.
func (p *Pipeline) Endpoints() (provider, apns string) { return p.server.URL(), p.mock.URL() }

// DeviceToken is the simulated callee device's APNs token.
func (p *Pipeline) DeviceToken() string { return p.callee.Token }

// Config is the configuration in force, defaults filled in.
func (p *Pipeline) Config() Config { return p.cfg }

// Close stops every stage and waits for requests in flight.
func (p *Pipeline) Close() {
	p.stop()
	p.wg.Wait()
	if p.callee != nil && p.callee.Sink != nil {
		p.callee.Close()
	}
	if p.unlink != nil {
		p.unlink()
	}
	if p.server != nil {
		_ = p.server.Close()
	}
	if p.mock != nil {
		_ = p.mock.Close()
	}
	p.bus.Close()
}
