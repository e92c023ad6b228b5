package ingest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/callscope/callscope/flow"
)

// TokenEnv is the environment variable both ends read the token from:
// apnsmock.IngestSink sends it, the screen's --ingest requires it.
const TokenEnv = "CALLSCOPE_INGEST_TOKEN"

// DefaultAddr listens on loopback on a port the system picks.
const DefaultAddr = "127.0.0.1:0"

// Config says where to listen and where events go.
type Config struct {
	// Addr is host:port; a host alone gets a free port, "" is DefaultAddr.
	// A host that is not loopback needs a Token.
	Addr string
	// Token, when set, is required as "Authorization: Bearer <Token>".
	Token string
	// Sink receives every accepted event, redacted. It must not block. A
	// Queuer (the screen's *bus.Bus) also says which events it queued: the
	// answer and Status count the ones its reader dropped.
	Sink flow.Sink
	// MaxBody is the largest batch in bytes; ≤ 0 means DefaultMaxBody.
	MaxBody int64
}

// ErrExposedWithoutToken refuses to serve beyond loopback without a token:
// anyone who can reach the port could otherwise draw on the screen.
var ErrExposedWithoutToken = errors.New("not a loopback address: listening beyond this machine needs a token (set " + TokenEnv + ")")

// Server is a running ingest endpoint.
type Server struct {
	*Handler
	ln   net.Listener
	srv  *http.Server
	done chan struct{}
	err  error
}

// Start listens and serves until Close.
func Start(cfg Config) (*Server, error) {
	if cfg.Sink == nil {
		return nil, errors.New("ingest: no sink")
	}
	if strings.ContainsFunc(cfg.Token, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return nil, errors.New("the token has spaces or control characters: it could not travel in an Authorization header")
	}
	addr, err := normalize(cfg.Addr)
	if err != nil {
		return nil, err
	}
	host, _, _ := net.SplitHostPort(addr)
	if cfg.Token == "" && !loopbackHost(host) {
		return nil, ErrExposedWithoutToken
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	// "localhost" could resolve anywhere; what was bound is what counts.
	if tcp, ok := ln.Addr().(*net.TCPAddr); cfg.Token == "" && (!ok || !tcp.IP.IsLoopback()) {
		ln.Close()
		return nil, ErrExposedWithoutToken
	}
	h := NewHandler(cfg.Sink, cfg.Token, cfg.MaxBody)
	s := &Server{Handler: h, ln: ln, done: make(chan struct{}), srv: &http.Server{
		Handler: h,
		// A slow or stuck client holds a goroutine and a socket, nothing
		// more; these bound how long.
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			s.err = err
		}
	}()
	return s, nil
}

// URL is where to POST events, e.g. http://127.0.0.1:4318/v1/events.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() + Path }

// Close stops accepting and waits briefly for batches being loaded.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = s.srv.Close()
	}
	<-s.done
	if s.err != nil {
		return s.err
	}
	return err
}

// Status is a one-line summary for a status bar or the end of a run.
func (s *Server) Status() string {
	st := s.Stats()
	line := fmt.Sprintf("ingest %s: %s accepted, %s rejected", s.URL(), flow.FormatCount(st.Accepted), flow.FormatCount(st.Rejected))
	if st.Dropped > 0 {
		line += fmt.Sprintf("; ⚠ %s of the accepted dropped, not shown (the screen fell behind; %s queued)",
			flow.FormatCount(st.Dropped), flow.FormatCount(st.Queued))
	}
	switch {
	case st.Refused == 1:
		line += ", 1 request refused"
	case st.Refused > 1:
		line += fmt.Sprintf(", %d requests refused", st.Refused)
	}
	return line
}

// normalize fills in what Addr leaves out.
func normalize(addr string) (string, error) {
	if addr == "" {
		return DefaultAddr, nil
	}
	if _, _, err := net.SplitHostPort(addr); err == nil {
		return addr, nil
	}
	h := strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]")
	if h == "localhost" || net.ParseIP(h) != nil {
		return net.JoinHostPort(h, "0"), nil
	}
	return "", fmt.Errorf("%q: want host:port, e.g. 127.0.0.1:4318", addr)
}

// loopbackHost reports whether host names this machine only. An empty host
// (":4318") means every interface.
func loopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
