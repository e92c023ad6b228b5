package apnsmock

import (
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/transport/devicelink"
	"github.com/callscope/callscope/transport/h2server"
)

// ProviderKey is a token-auth signing key the mock accepts: the public half of
// a provider's .p8, and its kind as Apple issues keys (docs/mock-apns.md).
type ProviderKey struct {
	KeyID, TeamID string
	Public        *ecdsa.PublicKey
	// Environment is "" for a key valid in both environments (a team key as
	// legacy keys are), or "sandbox" or "production". A topic-specific key
	// without one is taken to be for Config.Environment: Apple issues topic
	// keys for one environment only.
	Environment string
	// Topics makes the key topic-specific: bundle ids it may push to. Nil: a
	// team-scoped key, for any topic of Config.Topics.
	Topics []string
	// Related is the key id of a topic-specific key's related key: tokens of
	// both may share a connection. Topic-specific keys only.
	Related string
}

// Config sets up a mock.
type Config struct {
	Addr        string // default "127.0.0.1:0"
	Environment string // "sandbox" (default) or "production"
	Keys        []ProviderKey
	// BadEnvironmentKeyReason is the reason answered for a key scoped to the
	// other environment: "" or "BadEnvironmentKeyIdInToken" (Apple's table),
	// or "BadEnvironmentKeyInToken" (the spelling field reports show).
	BadEnvironmentKeyReason string
	Topics                  []string // bundle ids the mock knows
	// Devices are hex tokens that exist, of either kind: the mock cannot
	// tell a PushKit token from a regular one, so any topic goes.
	Devices []string
	// APNsDevices are regular APNs tokens: on the .voip topic they draw
	// DeviceTokenNotForTopic. VoIPDevices are PushKit tokens: on any other
	// topic they draw TopicDisallowed (both field-observed, docs/apns-rules.md#push-types).
	APNsDevices  []string
	VoIPDevices  []string
	AnyDevice    bool     // with no Devices: any well-formed token exists
	Unregistered []string // hex tokens answered 410 Unregistered
	Expired      []string // hex tokens answered 410 ExpiredToken
	Sink         flow.Sink
	// NoPushRecord leaves Event.Push out of the events: for sinks that
	// never read it (mock-apns's log alone), so that no push pays for a
	// copy of its headers and payload nobody keeps.
	NoPushRecord bool
	// NewDevice, when set, makes the simulated device for a token the first
	// time a push is accepted for it and no device is connected (e.g. a
	// SimDevice). Nil: pushes to unconnected devices are stored.
	NewDevice func(token string) Link
	CertFile  string // optional server certificate instead of a generated one
	KeyFile   string
	// ClientCAs verifies client certificates (certificate auth). Nil: the
	// mock's own CA, so IssueClientCert's certificates are trusted.
	ClientCAs *x509.CertPool
	Now       func() time.Time
	Faults    Faults
	// Clock runs the store-and-forward delays (Faults.Forward) in simulated
	// time, as the simulated devices' waits (flow.SimClock). Nil: they pass
	// on the wall clock and are measured.
	Clock flow.Clock
	// ErrorLimit is how many counted errors one connection may pile up
	// before APNs closes it with GOAWAY. Zero: 100.
	ErrorLimit int
	// IdleTimeout closes a connection that carried no request for this long
	// (GOAWAY IdleTimeout); a stalled request is answered IdleTimeout after
	// it. Zero: one hour.
	IdleTimeout time.Duration
	// MaxStreams is MAX_CONCURRENT_STREAMS once a connection is
	// authenticated. Zero: 1000, as observed from APNs.
	MaxStreams uint32
	// ReadTimeout bounds a new connection's TLS handshake, preface and
	// first SETTINGS (from accept), and each frame once its header is in.
	// Zero: 10 s.
	ReadTimeout time.Duration
	// MaxConns caps the provider connections open at once; more are
	// closed as they are accepted, and counted (RefusedConns). Zero: 4096.
	MaxConns int
	// DeviceLinkAddr, when set, is where devices keep their persistent TLS
	// link to the mock ("127.0.0.1:0" picks a port; DeviceLinkAddr() tells
	// it). A device that links is known for its token from then on.
	DeviceLinkAddr string
	// OnLink hears devices linking and leaving (nil: nobody listens).
	OnLink func(LinkState)
	// TraceOf names the trace of a push whose payload carries no
	// traceparent, as a team's own server sends (nil, or "": its apns-id).
	TraceOf func(payload []byte) string
}

// Server is a running mock.
type Server struct {
	cfg    Config
	sink   flow.Sink
	now    func() time.Time
	caPEM  []byte
	ca     *issuer
	pool   *x509.CertPool
	ln     net.Listener
	dl     *devicelink.Server // device links; nil without Config.DeviceLinkAddr
	tlsCfg *tls.Config
	faults atomic.Pointer[Faults]

	keys    map[string]ProviderKey
	envKey  string // the reason for a key of the other environment
	topics  map[string]bool
	devices map[string]tokenKind
	gone    map[string]string // token → 410 reason

	links    linkTable
	fwd      forwarder // forward.go
	rate     rateTable
	faultSeq atomic.Uint64 // valid pushes, for the every-Nth faults
	verifies atomic.Int64  // ES256 verifications, to show the cache works

	mu      sync.Mutex
	conns   map[*h2conn]bool
	closed  bool
	wg      sync.WaitGroup
	nconns  atomic.Int64 // accepted and not yet closed
	refused atomic.Int64 // closed at accept: over MaxConns
}

type tokenKind uint8

const (
	kindAny tokenKind = iota + 1
	kindRegular
	kindVoIP
)

// New validates cfg, makes the CA and certificate, and starts serving.
func New(cfg Config) (*Server, error) {
	s := &Server{cfg: cfg, sink: cfg.Sink, now: cfg.Now, keys: map[string]ProviderKey{}, topics: map[string]bool{},
		devices: map[string]tokenKind{}, gone: map[string]string{}, conns: map[*h2conn]bool{}}
	if s.sink == nil {
		s.sink = flow.Discard
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.cfg.ErrorLimit <= 0 {
		s.cfg.ErrorLimit = 100
	}
	if s.cfg.IdleTimeout <= 0 {
		s.cfg.IdleTimeout = time.Hour
	}
	if s.cfg.MaxStreams == 0 {
		s.cfg.MaxStreams = 1000
	}
	if s.cfg.ReadTimeout <= 0 {
		s.cfg.ReadTimeout = 10 * time.Second
	}
	if s.cfg.MaxConns <= 0 {
		s.cfg.MaxConns = 4096
	}
	f := cfg.Faults
	s.faults.Store(&f)
	switch cfg.Environment {
	case "":
		s.cfg.Environment = "sandbox"
	case "sandbox", "production":
	default:
		return nil, fmt.Errorf("environment %q: want sandbox or production", cfg.Environment)
	}
	if err := s.loadKeys(); err != nil {
		return nil, err
	}
	for _, t := range cfg.Topics {
		s.topics[t] = true
	}
	lists := []struct {
		name   string
		tokens []string
		add    func(string)
	}{
		{"device", cfg.Devices, func(t string) { s.devices[t] = kindAny }},
		{"apns device", cfg.APNsDevices, func(t string) { s.devices[t] = kindRegular }},
		{"voip device", cfg.VoIPDevices, func(t string) { s.devices[t] = kindVoIP }},
		{"unregistered device", cfg.Unregistered, func(t string) { s.gone[t] = "Unregistered" }},
		{"expired device", cfg.Expired, func(t string) { s.gone[t] = "ExpiredToken" }},
	}
	for _, l := range lists {
		for _, d := range l.tokens {
			if !validToken(d) {
				return nil, fmt.Errorf("%s %q: not an even-length hex token", l.name, d)
			}
			l.add(strings.ToLower(d))
		}
	}
	s.links.init()
	s.rate.init()

	var cert tls.Certificate
	var err error
	if s.ca, err = newIssuer(); err != nil {
		return nil, err
	}
	if cfg.CertFile != "" || cfg.KeyFile != "" {
		if cert, err = tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile); err != nil {
			return nil, fmt.Errorf("--cert %s / --key %s: %w", cfg.CertFile, cfg.KeyFile, err)
		}
	} else {
		if cert, err = s.ca.serverCert(); err != nil {
			return nil, err
		}
		s.caPEM = s.ca.pem()
	}
	s.pool = x509.NewCertPool()
	if s.caPEM != nil {
		s.pool.AppendCertsFromPEM(s.caPEM)
	}
	addr := cfg.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	s.tlsCfg = &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"h2"}, // APNs is HTTP/2 only: an HTTP/1.1 client fails the handshake
		// A client certificate selects certificate auth; the mock checks it
		// itself so that a bad one is answered BadCertificate, as APNs does,
		// instead of failing the handshake.
		ClientAuth: tls.RequestClientCert,
	}
	s.ln = ln
	if cfg.DeviceLinkAddr != "" {
		if err := s.listenDevices(cert); err != nil {
			ln.Close()
			return nil, err
		}
	}
	s.wg.Add(1)
	go s.acceptLoop()
	return s, nil
}

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			return
		}
		if s.nconns.Add(1) > int64(s.cfg.MaxConns) {
			s.nconns.Add(-1)
			s.refused.Add(1)
			nc.Close()
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.nconns.Add(-1)
			s.serveConn(nc)
		}()
	}
}

// serveConn completes the TLS handshake, insists on h2 and runs the
// connection. A client that did not negotiate h2 is never served. The
// handshake, the client preface and its first SETTINGS must all be in
// within Config.ReadTimeout of the accept.
func (s *Server) serveConn(nc net.Conn) {
	by := time.Now().Add(s.cfg.ReadTimeout)
	tc := tls.Server(nc, s.tlsCfg)
	_ = tc.SetDeadline(by)
	if err := tc.Handshake(); err != nil {
		nc.Close()
		return
	}
	_ = tc.SetWriteDeadline(time.Time{})
	st := tc.ConnectionState()
	if st.NegotiatedProtocol != "h2" {
		nc.Close()
		return
	}
	c := &h2conn{s: s, auth: s.connAuth(st.PeerCertificates)}
	// Token connections get one stream until a valid provider token; a
	// certificate connection is trusted from the handshake (docs/apns-rules.md#certificate-auth).
	limit := uint32(1)
	if c.auth.cert != nil {
		limit = s.cfg.MaxStreams
	}
	c.hc = h2server.New(tc, nc, h2server.Config{MaxStreams: limit, HeaderTableSize: headerTableSize,
		MaxHeaderList: maxHeaderListSize, MaxBody: maxVoIPPayload, IdleTimeout: s.cfg.IdleTimeout,
		ReadTimeout: s.cfg.ReadTimeout, PrefaceBy: by}, c)
	if !s.track(c, true) {
		nc.Close()
		return
	}
	defer s.track(c, false)
	c.hc.Serve()
}

// RefusedConns is how many connections were closed at accept because
// Config.MaxConns were open.
func (s *Server) RefusedConns() int64 { return s.refused.Load() }

func (s *Server) track(c *h2conn, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		if s.closed {
			return false
		}
		s.conns[c] = true
		return true
	}
	delete(s.conns, c)
	return true
}

// URL is the mock's base URL.
func (s *Server) URL() string { return "https://" + s.ln.Addr().String() }

// Addr is the address the mock listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// CACertPEM is the PEM of the CA that signed the server certificate (nil when
// a certificate was given).
func (s *Server) CACertPEM() []byte { return s.caPEM }

// RootCAs is a pool that trusts the mock.
func (s *Server) RootCAs() *x509.CertPool { return s.pool }

// Environment is sandbox or production.
func (s *Server) Environment() string { return s.cfg.Environment }

// SetFaults replaces the faults injected from now on (scenarios change them
// while the mock runs).
func (s *Server) SetFaults(f Faults) { s.faults.Store(&f) }

// Close stops listening and ends every connection with GOAWAY.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	conns := make([]*h2conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	err := s.ln.Close()
	var wg sync.WaitGroup // in parallel: each may wait for its streams
	for _, c := range conns {
		wg.Go(c.shutdown)
	}
	wg.Wait()
	s.wg.Wait()
	s.closeForward()
	if s.dl != nil {
		_ = s.dl.Close()
	}
	return err
}

func validToken(t string) bool {
	if t == "" || len(t)%2 != 0 {
		return false
	}
	for _, c := range t {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
