package devicelink

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
)

// testCert is a self-signed certificate for 127.0.0.1 and a pool trusting it.
func testCert(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// mockSide records what a server sees, as the mock would use it.
type mockSide struct {
	conns   chan *Conn
	written chan flow.Push
	closed  chan []flow.Push
	refuse  string
}

func newServer(t *testing.T, m *mockSide) (*Server, *x509.CertPool) {
	t.Helper()
	cert, pool := testCert(t)
	m.conns, m.written, m.closed = make(chan *Conn, 8), make(chan flow.Push, 64), make(chan []flow.Push, 8)
	s, err := Listen("127.0.0.1:0", ServerConfig{Certificates: []tls.Certificate{cert},
		Accept: func(h Frame, _ net.Addr) error {
			if m.refuse != "" {
				return errors.New(m.refuse)
			}
			return nil
		},
		Linked:  func(c *Conn) { m.conns <- c },
		Written: func(_ *Conn, p flow.Push, _ time.Time) { m.written <- p },
		Closed:  func(_ *Conn, un []flow.Push, _ error) { m.closed <- un },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, pool
}

// device collects delivered pushes; block, when set, holds Deliver until closed.
type device struct {
	got   chan flow.Push
	block chan struct{}
}

func (d *device) Deliver(p flow.Push) {
	if d.block != nil {
		<-d.block
	}
	d.got <- p
}

func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatalf("no %s within 5 s", what)
	}
	var zero T
	return zero
}

func push(n int) flow.Push {
	return flow.Push{ApnsID: "id-" + strconv.Itoa(n), Topic: "org.example.app", PushType: "alert", Priority: 10,
		Payload: []byte(`{"aps":{"alert":{"title":"x"},"mutable-content":1}}`), Accepted: time.Now()}
}

// TestLinkDeliversAndAcks: a push sent on the server's Conn reaches the
// device over TLS 1.3 with its arrival stamped, in order, and once the device
// acknowledges every push the server is idle.
func TestLinkDeliversAndAcks(t *testing.T) {
	m := &mockSide{}
	s, pool := newServer(t, m)
	d := &device{got: make(chan flow.Push, 16)}
	c, err := Dial(context.Background(), ClientConfig{Addr: s.Addr().String(), RootCAs: pool, Token: tok,
		Topics: []string{"org.example.app"}, Receiver: d})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	conn := recv(t, m.conns, "link")
	if conn.Hello().Token != tok || conn.Hello().Environment != "sandbox" {
		t.Errorf("hello %+v", conn.Hello())
	}
	if st := conn.tc.ConnectionState(); st.Version != tls.VersionTLS13 {
		t.Errorf("TLS version %x, want 1.3", st.Version)
	}
	if c.LocalAddr().String() != conn.RemoteAddr().String() || conn.Remote() != conn.RemoteAddr().String() {
		t.Errorf("client %s, server sees %s (%s)", c.LocalAddr(), conn.RemoteAddr(), conn.Remote())
	}
	for i := range 5 {
		if err := conn.Send(push(i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		p := recv(t, d.got, "push")
		if p.ApnsID != push(i).ApnsID || p.Token != tok || p.Received.IsZero() {
			t.Errorf("push %d: %+v", i, p)
		}
		recv(t, m.written, "written")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Idle(ctx); err != nil {
		t.Fatalf("not idle after every ack: %v", err)
	}
}

// TestLinkClosedGivesBack: pushes the device never acknowledged come back
// through Closed when the link drops, and Send on the closed link refuses
// (the mock then stores the push for the offline device).
func TestLinkClosedGivesBack(t *testing.T) {
	m := &mockSide{}
	s, pool := newServer(t, m)
	d := &device{got: make(chan flow.Push, 16), block: make(chan struct{})}
	c, err := Dial(context.Background(), ClientConfig{Addr: s.Addr().String(), RootCAs: pool, Token: tok, Receiver: d,
		MinBackoff: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	conn := recv(t, m.conns, "link")
	_ = conn.Send(push(1))
	_ = conn.Send(push(2))
	recv(t, m.written, "written")
	conn.Close() // the device is still inside Deliver: nothing was acknowledged
	un := recv(t, m.closed, "closed")
	if len(un) != 2 || un[0].ApnsID != "id-1" || un[1].ApnsID != "id-2" {
		t.Errorf("given back %v, want id-1, id-2", un)
	}
	if err := conn.Send(push(3)); !errors.Is(err, ErrClosed) {
		t.Errorf("send on closed link: %v, want ErrClosed", err)
	}
	close(d.block)
	c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Idle(ctx); err != nil {
		t.Fatalf("pushes given back still count as pending: %v", err)
	}
}

// TestLinkReconnects: when the link drops, the device links again after its
// backoff, and the server gets a fresh hello.
func TestLinkReconnects(t *testing.T) {
	m := &mockSide{}
	s, pool := newServer(t, m)
	states := make(chan State, 16)
	d := &device{got: make(chan flow.Push, 16)}
	c, err := Dial(context.Background(), ClientConfig{Addr: s.Addr().String(), RootCAs: pool, Token: tok, Receiver: d,
		MinBackoff: 10 * time.Millisecond, OnState: func(st State) { states <- st }})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	first := recv(t, m.conns, "link")
	if st := recv(t, states, "state"); !st.Up {
		t.Fatalf("first state %+v, want up", st)
	}
	first.Close()
	recv(t, m.closed, "closed")
	if st := recv(t, states, "state"); st.Up || st.Retry != 10*time.Millisecond {
		t.Fatalf("state %+v, want down, retry 10ms", st)
	}
	second := recv(t, m.conns, "relink")
	if st := recv(t, states, "state"); !st.Up {
		t.Fatalf("state %+v, want up again", st)
	}
	if second == first || second.Hello().Token != tok {
		t.Fatalf("relinked %p hello %+v", second, second.Hello())
	}
	_ = second.Send(push(9))
	if p := recv(t, d.got, "push after relink"); p.ApnsID != "id-9" {
		t.Errorf("got %s", p.ApnsID)
	}
}

// TestLinkRefused: APNs refusing the hello ends Dial with its reason, and a
// started client stops trying.
func TestLinkRefused(t *testing.T) {
	m := &mockSide{refuse: "environment production: this APNs is sandbox"}
	s, pool := newServer(t, m)
	cfg := ClientConfig{Addr: s.Addr().String(), RootCAs: pool, Token: tok, Receiver: &device{}, Environment: "production"}
	_, err := Dial(context.Background(), cfg)
	var re *RefusedError
	if !errors.As(err, &re) || re.Reason != m.refuse {
		t.Fatalf("err %v, want refused: %s", err, m.refuse)
	}
	states := make(chan State, 4)
	cfg.OnState = func(st State) { states <- st }
	c, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if st := recv(t, states, "state"); !st.Final || !errors.As(st.Err, &re) {
		t.Fatalf("state %+v, want final refusal", st)
	}
	c.Close()
}

// TestLinkWrongCA: a device that does not trust the server's CA never links.
func TestLinkWrongCA(t *testing.T) {
	m := &mockSide{}
	s, _ := newServer(t, m)
	_, other := testCert(t)
	_, err := Dial(context.Background(), ClientConfig{Addr: s.Addr().String(), RootCAs: other, Token: tok, Receiver: &device{}})
	var ue x509.UnknownAuthorityError
	if !errors.As(err, &ue) {
		t.Fatalf("err %v, want an unknown-authority error", err)
	}
}

// TestCloseDuringHandshake: a client that connected and said nothing does
// not hold up the server's Close.
func TestCloseDuringHandshake(t *testing.T) {
	m := &mockSide{}
	s, _ := newServer(t, m)
	nc, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("Close waited for a silent client's handshake")
	}
}
