package apns

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/sideshow/apns2"
	"github.com/sideshow/apns2/token"
)

// Response is APNs' answer to one push (Apple, "Handling notification
// responses from APNs").
type Response struct {
	Status       int    `json:"status"`
	Reason       string `json:"reason,omitempty"`
	ApnsID       string `json:"apns_id,omitempty"`
	ApnsUniqueID string `json:"apns_unique_id,omitempty"`
	// Timestamp is a 410's: milliseconds since the epoch when APNs learned
	// the token was no longer valid.
	Timestamp int64 `json:"timestamp,omitempty"`
	// Body is a non-JSON error body, cut short: not Apple's shape, so
	// probably not APNs answering.
	Body string `json:"body,omitempty"`
}

// OK says whether APNs accepted the push: accepted, not delivered.
func (r *Response) OK() bool { return r.Status == http.StatusOK }

// Sender pushes Requests over one HTTP/2 connection pool, with either a
// provider token or a client certificate. Keep one Sender for many pushes:
// its JWT is signed once and reused until apns2's token package renews it
// after token.TokenTimeout (50 minutes, inside Apple's 20–60 minute window),
// never per push (a new token per push draws TooManyProviderTokenUpdates).
type Sender struct {
	client *http.Client
	token  *token.Token
}

// SenderConfig says how a Sender authenticates and whom it trusts.
type SenderConfig struct {
	Token   *token.Token     // token auth; nil with Cert
	Cert    *tls.Certificate // certificate auth; nil with Token
	RootCAs *x509.CertPool   // nil: the system roots
	Timeout time.Duration    // one push; zero: apns2's 60 s
}

// NewSender checks the config and sets up the transport; it does not connect.
func NewSender(cfg SenderConfig) (*Sender, error) {
	if cfg.Token != nil && cfg.Cert != nil {
		return nil, fmt.Errorf("apns: a provider token or a client certificate, not both")
	}
	if cfg.Token != nil && cfg.Token.AuthKey == nil {
		return nil, fmt.Errorf("apns: no signing key")
	}
	tc := &tls.Config{RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12}
	if cfg.Cert != nil {
		tc.Certificates = []tls.Certificate{*cfg.Cert}
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = apns2.HTTPClientTimeout
	}
	return &Sender{client: &http.Client{Transport: Transport(tc), Timeout: timeout}, token: cfg.Token}, nil
}

// Authorization is the header value a push carries now: "bearer <JWT>" from
// the cache, or "" on a certificate connection.
func (s *Sender) Authorization() (string, error) {
	if s.token == nil {
		return "", nil
	}
	s.token.Lock()
	defer s.token.Unlock()
	if s.token.Bearer == "" || s.token.Expired() {
		if _, err := s.token.Generate(); err != nil {
			return "", fmt.Errorf("apns: signing the provider token: %w", err)
		}
	}
	return "bearer " + s.token.Bearer, nil
}

// Send pushes one request and reads APNs' answer. An error is a failure to
// get an answer at all (TLS, network, timeout); an APNs refusal is a Response.
func (s *Sender) Send(ctx context.Context, r *Request) (*Response, error) {
	auth, err := s.Authorization()
	if err != nil {
		return nil, err
	}
	req, err := r.HTTP(ctx, auth)
	if err != nil {
		return nil, err
	}
	res, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	out := &Response{Status: res.StatusCode, ApnsID: res.Header.Get("apns-id"), ApnsUniqueID: res.Header.Get("apns-unique-id")}
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("reading APNs' answer: %w", err)
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return out, nil
	}
	var j struct {
		Reason    string `json:"reason"`
		Timestamp int64  `json:"timestamp"`
	}
	if json.Unmarshal(body, &j) != nil {
		out.Body = strings.TrimSpace(string(body[:min(len(body), 200)]))
		return out, nil
	}
	out.Reason, out.Timestamp = j.Reason, j.Timestamp
	return out, nil
}

// CloseIdleConnections closes the pool's idle connections.
func (s *Sender) CloseIdleConnections() { s.client.CloseIdleConnections() }
