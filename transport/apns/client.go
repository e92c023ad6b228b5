package apns

import (
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v4"
	"github.com/sideshow/apns2"
	"github.com/sideshow/apns2/token"
)

// Hosts Apple documents for the provider API.
const (
	HostSandbox    = apns2.HostDevelopment
	HostProduction = apns2.HostProduction
)

// Config says how to reach APNs and sign for it.
type Config struct {
	// Host is "sandbox", "production" or a URL such as the mock's
	// "https://127.0.0.1:PORT".
	Host   string
	KeyID  string
	TeamID string
	Key    *ecdsa.PrivateKey
	// RootCAs, when set, replaces the system roots: the mock's CA.
	RootCAs *x509.CertPool
	// Timeout bounds one push; zero means apns2's 60 s.
	Timeout time.Duration
	// ClockSkew makes the provider's clock run this far behind: the JWT's
	// iat is that old (a common cause of ExpiredProviderToken).
	ClockSkew time.Duration
}

// ResolveHost maps the names sandbox and production to Apple's hosts and
// passes URLs through.
func ResolveHost(h string) (string, error) {
	switch strings.ToLower(h) {
	case "", "sandbox", "development":
		return HostSandbox, nil
	case "production":
		return HostProduction, nil
	}
	if !strings.HasPrefix(h, "https://") {
		return "", fmt.Errorf("apns host %q: want sandbox, production or an https:// URL (APNs is HTTP/2 over TLS only)", h)
	}
	return strings.TrimRight(h, "/"), nil
}

// NewClient returns an apns2 token client. Share one client (and so one JWT)
// across all pushes: a fresh token per push draws 429
// TooManyProviderTokenUpdates from APNs.
func NewClient(cfg Config) (*apns2.Client, error) {
	if cfg.Key == nil {
		return nil, fmt.Errorf("apns: no signing key")
	}
	if len(cfg.KeyID) != 10 || len(cfg.TeamID) != 10 {
		return nil, fmt.Errorf("apns: key id %q and team id %q must be 10 characters, as Apple issues them", cfg.KeyID, cfg.TeamID)
	}
	host, err := ResolveHost(cfg.Host)
	if err != nil {
		return nil, err
	}
	tok := &token.Token{AuthKey: cfg.Key, KeyID: cfg.KeyID, TeamID: cfg.TeamID}
	if _, err := tok.Generate(); err != nil {
		return nil, fmt.Errorf("apns: signing the provider token: %w", err)
	}
	if cfg.ClockSkew != 0 {
		if err := skewToken(tok, cfg.ClockSkew); err != nil {
			return nil, err
		}
	}
	c := apns2.NewTokenClient(tok)
	c.Host = host

	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = apns2.HTTPClientTimeout
	}
	c.HTTPClient = &http.Client{Transport: Transport(&tls.Config{RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12}), Timeout: timeout}
	return c, nil
}

// Transport is an HTTP/2-only net/http transport as apns2 sets one up (x/net's
// http2.Transport, which apns2 uses, is deprecated): h2 over TLS, and a PING
// health check after apns2.ReadIdleTimeout without frames.
func Transport(tc *tls.Config) *http.Transport {
	var p http.Protocols
	p.SetHTTP2(true)
	return &http.Transport{TLSClientConfig: tc, Protocols: &p, ForceAttemptHTTP2: true,
		TLSHandshakeTimeout: apns2.TLSDialTimeout, HTTP2: &http.HTTP2Config{SendPingTimeout: apns2.ReadIdleTimeout}}
}

// skewToken re-signs the token with iat in the past, keeping apns2's own
// IssuedAt current so that it reuses the token instead of refreshing it.
func skewToken(tok *token.Token, skew time.Duration) error {
	jt := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{
		"iss": tok.TeamID,
		"iat": time.Now().Add(-skew).Unix(),
	})
	jt.Header["kid"] = tok.KeyID
	delete(jt.Header, "typ")
	signed, err := jt.SignedString(tok.AuthKey)
	if err != nil {
		return fmt.Errorf("apns: signing the provider token: %w", err)
	}
	tok.Bearer = signed
	return nil
}
