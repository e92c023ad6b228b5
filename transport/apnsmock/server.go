package apnsmock

import (
	"context"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/net/http2"

	"github.com/callscope/callscope/flow"
)

// ProviderKey is a token-auth signing key the mock accepts: the public half of
// a provider's .p8.
type ProviderKey struct {
	KeyID, TeamID string
	Public        *ecdsa.PublicKey
	Environment   string   // "" = both, "sandbox" or "production"
	Topics        []string // nil = any topic of Config.Topics
}

// Config sets up a mock.
type Config struct {
	Addr         string // default "127.0.0.1:0"
	Environment  string // "sandbox" (default) or "production"
	Keys         []ProviderKey
	Topics       []string // bundle ids the mock knows
	Devices      []string // hex tokens that exist
	AnyDevice    bool     // with no Devices: any well-formed token exists
	Unregistered []string // hex tokens answered 410 Unregistered
	Sink         flow.Sink
	CertFile     string // optional server certificate instead of a generated one
	KeyFile      string
	Now          func() time.Time
	Faults       Faults
}

// Faults are APNs misbehaviours to inject.
type Faults struct {
	Latency time.Duration // added before every answer
}

// Server is a running mock.
type Server struct {
	cfg   Config
	sink  flow.Sink
	now   func() time.Time
	caPEM []byte
	pool  *x509.CertPool
	ln    net.Listener
	srv   *http.Server

	keys    map[string]ProviderKey
	topics  map[string]bool
	devices map[string]bool
	unreg   map[string]bool

	links linkTable
}

// New validates cfg, makes the CA and certificate, and starts serving.
func New(cfg Config) (*Server, error) {
	s := &Server{cfg: cfg, sink: cfg.Sink, now: cfg.Now, keys: map[string]ProviderKey{}, topics: map[string]bool{},
		devices: map[string]bool{}, unreg: map[string]bool{}}
	if s.sink == nil {
		s.sink = flow.Discard
	}
	if s.now == nil {
		s.now = time.Now
	}
	switch cfg.Environment {
	case "":
		s.cfg.Environment = "sandbox"
	case "sandbox", "production":
	default:
		return nil, fmt.Errorf("environment %q: want sandbox or production", cfg.Environment)
	}
	for _, k := range cfg.Keys {
		if k.Public == nil || k.KeyID == "" || k.TeamID == "" {
			return nil, fmt.Errorf("provider key %q: key id, team id and public key are required", k.KeyID)
		}
		s.keys[k.KeyID] = k
	}
	for _, t := range cfg.Topics {
		s.topics[t] = true
	}
	for _, d := range cfg.Devices {
		if !validToken(d) {
			return nil, fmt.Errorf("device %q: not an even-length hex token", d)
		}
		s.devices[strings.ToLower(d)] = true
	}
	for _, d := range cfg.Unregistered {
		if !validToken(d) {
			return nil, fmt.Errorf("unregistered device %q: not an even-length hex token", d)
		}
		s.unreg[strings.ToLower(d)] = true
	}
	s.links.init()

	var cert tls.Certificate
	var err error
	if cfg.CertFile != "" || cfg.KeyFile != "" {
		if cert, err = tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile); err != nil {
			return nil, fmt.Errorf("--cert %s / --key %s: %w", cfg.CertFile, cfg.KeyFile, err)
		}
	} else if cert, s.caPEM, err = selfSigned(); err != nil {
		return nil, err
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
	tlsCfg := &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"h2"}, // APNs is HTTP/2 only: an HTTP/1.1 client fails the handshake
	}
	s.ln = tls.NewListener(ln, tlsCfg)
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ConnContext: func(ctx context.Context, _ net.Conn) context.Context {
			return context.WithValue(ctx, connKey{}, &conn{verified: map[string]tokenResult{}})
		},
	}
	h2 := &http2.Server{MaxConcurrentStreams: 1000}
	if err := http2.ConfigureServer(s.srv, h2); err != nil {
		ln.Close()
		return nil, err
	}
	s.srv.TLSConfig = tlsCfg
	go func() { _ = s.srv.Serve(s.ln) }()
	return s, nil
}

// URL is the mock's base URL.
func (s *Server) URL() string { return "https://" + s.ln.Addr().String() }

// CACertPEM is the PEM of the CA that signed the server certificate (nil when
// a certificate was given).
func (s *Server) CACertPEM() []byte { return s.caPEM }

// RootCAs is a pool that trusts the mock.
func (s *Server) RootCAs() *x509.CertPool { return s.pool }

// Environment is sandbox or production.
func (s *Server) Environment() string { return s.cfg.Environment }

// Close stops serving and closes every connection.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = s.srv.Close()
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
