package apnsmock

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v4"
	"github.com/sideshow/apns2"
	"github.com/sideshow/apns2/token"
	"golang.org/x/net/http2/hpack"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/transport/apns"
)

const (
	testKeyID   = "KEYID00001"
	testKeyID2  = "KEYID00002"
	testTeam    = "TEAM000001"
	testTopic   = "org.example.app"
	testDevice  = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
	testVoIP    = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	testGone    = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
	testExpired = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
)

// fixture is a running mock with two provider keys of one team, a regular and
// a VoIP device, an unregistered and an expired token.
type fixture struct {
	s         *Server
	key, key2 *ecdsa.PrivateKey
	events    *collector
}

func newFixture(t testing.TB, mod func(*Config)) *fixture {
	t.Helper()
	f := &fixture{events: newCollector()}
	var err error
	if f.key, err = apns.GenerateKey(); err != nil {
		t.Fatal(err)
	}
	if f.key2, err = apns.GenerateKey(); err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Keys: []ProviderKey{{KeyID: testKeyID, TeamID: testTeam, Public: &f.key.PublicKey},
			{KeyID: testKeyID2, TeamID: testTeam, Public: &f.key2.PublicKey}},
		Topics:       []string{testTopic},
		APNsDevices:  []string{testDevice},
		VoIPDevices:  []string{testVoIP},
		Unregistered: []string{testGone},
		Expired:      []string{testExpired},
		Sink:         f.events,
	}
	if mod != nil {
		mod(&cfg)
	}
	if f.s, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.s.Close() })
	return f
}

// client is an apns2 token client as callscope's provider builds it.
func (f *fixture) client(t testing.TB) *apns2.Client {
	t.Helper()
	c, err := apns.NewClient(apns.Config{Host: f.s.URL(), KeyID: testKeyID, TeamID: testTeam, Key: f.key,
		RootCAs: f.s.RootCAs(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// certClient is an apns2 certificate client trusting the mock.
func (f *fixture) certClient(cert tls.Certificate) *apns2.Client {
	c := apns2.NewClient(cert)
	c.Host = f.s.URL()
	c.HTTPClient = &http.Client{Timeout: 10 * time.Second,
		Transport: apns.Transport(&tls.Config{RootCAs: f.s.RootCAs(), Certificates: []tls.Certificate{cert}})}
	return c
}

// bearer makes a token with apns2's own signer and the given claims.
func bearer(t testing.TB, key *ecdsa.PrivateKey, kid, team string, iat time.Time) *token.Token {
	t.Helper()
	jt := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{"iss": team, "iat": iat.Unix()})
	jt.Header["kid"] = kid
	s, err := jt.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	// IssuedAt now: apns2 keeps the given Bearer instead of re-signing.
	return &token.Token{AuthKey: key, KeyID: kid, TeamID: team, IssuedAt: time.Now().Unix(), Bearer: s}
}

func (f *fixture) jwt(t testing.TB) string {
	return bearer(t, f.key, testKeyID, testTeam, time.Now()).Bearer
}

// raw is a plain x/net HTTP/2 client, for requests apns2 cannot make.
func (f *fixture) raw() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: apns.Transport(&tls.Config{RootCAs: f.s.RootCAs()})}
}

type rawResp struct {
	status int
	header http.Header
	body   string
}

func (f *fixture) do(t testing.TB, c *http.Client, method, path string, hdr [][2]string, body string) rawResp {
	t.Helper()
	req, err := http.NewRequest(method, f.s.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body == "" {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	for _, h := range hdr {
		req.Header.Add(h[0], h[1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return rawResp{resp.StatusCode, resp.Header, string(b)}
}

func alertPush(token string) *apns2.Notification {
	return &apns2.Notification{DeviceToken: token, Topic: testTopic, PushType: apns2.PushTypeAlert, Priority: 10,
		Payload: []byte(`{"aps":{"alert":{"title":"New message"},"mutable-content":1}}`)}
}

// collector is a sink tests wait on: no sleeps, a deadline per wait.
type collector struct {
	mu   sync.Mutex
	all  []flow.Event
	wake chan struct{}
}

func newCollector() *collector { return &collector{wake: make(chan struct{}, 1)} }

func (c *collector) Emit(e flow.Event) {
	c.mu.Lock()
	c.all = append(c.all, e.Clone())
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// wait returns the first event matching ok, or fails after 5 s.
func (c *collector) wait(t testing.TB, what string, ok func(flow.Event) bool) flow.Event {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		c.mu.Lock()
		for _, e := range c.all {
			if ok(e) {
				c.mu.Unlock()
				return e
			}
		}
		c.mu.Unlock()
		select {
		case <-c.wake:
		case <-deadline:
			t.Fatalf("no %s event within 5 s", what)
		}
	}
}

func named(apnsID, name string) func(flow.Event) bool {
	return func(e flow.Event) bool { return e.ApnsID == apnsID && e.Name == name }
}

type apns2Token = token.Token

func hpackField(name, value string) hpack.HeaderField {
	return hpack.HeaderField{Name: name, Value: value}
}

func splitHostPort(a string) (string, string, error) { return net.SplitHostPort(a) }

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
