package bench

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/sideshow/apns2"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/crypto/keyring"
	"github.com/callscope/callscope/crypto/replay"
	"github.com/callscope/callscope/crypto/scheme"
	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/device"
	"github.com/callscope/callscope/transport/apns"
	"github.com/callscope/callscope/transport/provider"
)

// The parts of a call, each measured alone: together they are the
// pipeline's baseline, what a call would cost with no glue between them
// (no events, no tracker, no device link, no provider server logic).
//
//   - device: the caller seals the invite (HPKE + Ed25519) and the callee's
//     simulated iPhone takes it straight from Go: NSE open, replay and
//     signature checks, PushKit, CallKit, ringing and the answer, on a
//     virtual clock (simulated delays off);
//   - provider-hop: one HTTP/1.1 request of the caller app's size to a
//     do-nothing handler, through the caller's own client;
//   - apns-hop: one apns2 push of the call's payload to a do-nothing Go
//     HTTP/2 TLS server.
type pipePart struct {
	name  string
	op    func() error
	close func()
}

// pipeParts builds the three parts; close each when done.
func pipeParts(ctx context.Context) ([]pipePart, error) {
	dev, err := pipeDevicePart(ctx)
	if err != nil {
		return nil, fmt.Errorf("device part: %w", err)
	}
	hop, err := pipeProviderHop(ctx)
	if err != nil {
		dev.close()
		return nil, fmt.Errorf("provider-hop part: %w", err)
	}
	ap, err := pipeAPNsHop(ctx)
	if err != nil {
		dev.close()
		hop.close()
		return nil, fmt.Errorf("apns-hop part: %w", err)
	}
	return []pipePart{dev, hop, ap}, nil
}

// pipeSignals hands each device conclusion to the operation waiting on it.
type pipeSignals struct {
	mu   sync.Mutex
	wait map[string]chan device.Signal
}

func (s *pipeSignals) Signal(sig device.Signal) {
	if sig.Kind == device.SignalRinging {
		return
	}
	s.mu.Lock()
	ch := s.wait[sig.TraceID]
	delete(s.wait, sig.TraceID)
	s.mu.Unlock()
	if ch != nil {
		ch <- sig
	}
}

func pipeDevicePart(ctx context.Context) (pipePart, error) {
	key, err := keyring.Generate(scheme.Default, rand.Reader)
	if err != nil {
		return pipePart{}, err
	}
	signer, err := keyring.GenerateSigning(rand.Reader)
	if err != nil {
		return pipePart{}, err
	}
	tok := make([]byte, 32)
	if _, err := rand.Read(tok); err != nil {
		return pipePart{}, err
	}
	prof := device.DefaultProfile()
	prof.MaximumCallGroups = 1 << 20 // many callers ring one callee
	sig := &pipeSignals{wait: map[string]chan device.Signal{}}
	const caller = "alice@example.org"
	d := &device.Callee{Profile: prof, Token: hex.EncodeToString(tok), Ring: keyring.NewRing(key), Replay: replay.NewMemory(),
		Sink: flow.Discard, Signal: sig, Clock: flow.NewSimClock(), Signers: keyring.NewSigners(caller, signer)}
	d.Start(ctx)
	to := envelope.Recipient{Scheme: scheme.Default, PublicKey: key.Public(), DeviceToken: tok}
	op := func() error {
		tp, traceID := provider.NewTraceParent()
		callID := envelope.CallUUIDFor(traceID)
		pt := envelope.Plaintext{Type: "call.invite", CallUUID: callID,
			Caller: &envelope.Caller{Handle: caller, HandleType: "email", Name: "Alice"}}
		env, err := envelope.SealWith(rand.Reader, to, pt, envelope.SealOptions{TTL: 45 * time.Second, Now: time.Now(), Signer: signer})
		if err != nil {
			return err
		}
		body, err := json.Marshal(env)
		if err != nil {
			return err
		}
		payload, _, err := provider.BuildPayload(body, tp, provider.PushOptions{})
		if err != nil {
			return err
		}
		ch := make(chan device.Signal, 1)
		sig.mu.Lock()
		sig.wait[traceID] = ch
		sig.mu.Unlock()
		d.Deliver(flow.Push{ApnsID: uuid.NewString(), Token: d.Token, Topic: "org.callscope.demo", PushType: "alert",
			Priority: 10, Payload: payload, Accepted: time.Now(), TraceID: traceID})
		select {
		case s := <-ch:
			if s.Kind != device.SignalAnswered {
				return fmt.Errorf("the device said %s: %v", s.Kind, s.Diag)
			}
			return nil
		case <-time.After(30 * time.Second):
			return fmt.Errorf("the device did not answer within 30 s")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return pipePart{name: "device", op: op, close: d.Close}, nil
}

// pipeEnvelope is an envelope of the size a call's is, for the hops.
func pipeEnvelope() ([]byte, error) {
	key, err := keyring.Generate(scheme.Default, rand.Reader)
	if err != nil {
		return nil, err
	}
	signer, err := keyring.GenerateSigning(rand.Reader)
	if err != nil {
		return nil, err
	}
	pt := envelope.Plaintext{Type: "call.invite", CallUUID: strings.ToUpper(uuid.NewString()),
		Caller: &envelope.Caller{Handle: "alice@example.org", HandleType: "email", Name: "Alice"}}
	env, err := envelope.SealWith(rand.Reader, envelope.Recipient{Scheme: scheme.Default, PublicKey: key.Public(), DeviceToken: make([]byte, 32)},
		pt, envelope.SealOptions{TTL: 45 * time.Second, Now: time.Now(), Signer: signer})
	if err != nil {
		return nil, err
	}
	return json.Marshal(env)
}

func pipeProviderHop(ctx context.Context) (pipePart, error) {
	env, err := pipeEnvelope()
	if err != nil {
		return pipePart{}, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return pipePart{}, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"apns_id":"00000000-0000-0000-0000-000000000000","status":200,"payload_bytes":1000,"apns_rtt_us":100}`+"\n")
	}), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	c := provider.NewClient("http://" + ln.Addr().String())
	tok := strings.Repeat("ab", 32)
	op := func() error {
		tp, _ := provider.NewTraceParent()
		res, err := c.Push(ctx, provider.PushRequest{Token: tok, Envelope: env, TraceParent: tp})
		if err == nil && res.Status != 200 {
			err = fmt.Errorf("status %d", res.Status)
		}
		return err
	}
	return pipePart{name: "provider-hop", op: op, close: func() { c.Close(); _ = srv.Close() }}, nil
}

func pipeAPNsHop(ctx context.Context) (pipePart, error) {
	env, err := pipeEnvelope()
	if err != nil {
		return pipePart{}, err
	}
	tp, _ := provider.NewTraceParent()
	payload, _, err := provider.BuildPayload(env, tp, provider.PushOptions{})
	if err != nil {
		return pipePart{}, err
	}
	cert, pool, err := pipeCert()
	if err != nil {
		return pipePart{}, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return pipePart{}, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("apns-id", r.Header.Get("apns-id"))
		w.WriteHeader(http.StatusOK)
	}), TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	key, err := apns.GenerateKey()
	if err != nil {
		_ = srv.Close()
		return pipePart{}, err
	}
	client, err := apns.NewClient(apns.Config{Host: "https://" + ln.Addr().String(), KeyID: "CSKEY00001", TeamID: "CSTEAM0001", Key: key, RootCAs: pool})
	if err != nil {
		_ = srv.Close()
		return pipePart{}, err
	}
	tok := strings.Repeat("ab", 32)
	op := func() error {
		res, err := client.PushWithContext(ctx, &apns2.Notification{ApnsID: uuid.NewString(), DeviceToken: tok, Topic: "org.callscope.demo",
			PushType: apns2.PushTypeAlert, Priority: apns2.PriorityHigh, Expiration: time.Now().Add(45 * time.Second), Payload: payload})
		if err == nil && res.StatusCode != 200 {
			err = fmt.Errorf("status %d", res.StatusCode)
		}
		return err
	}
	return pipePart{name: "apns-hop", op: op, close: func() { client.CloseIdleConnections(); _ = srv.Close() }}, nil
}

// pipeCert is a P-256 certificate for 127.0.0.1, as the mock's is, and a
// pool that trusts it.
func pipeCert() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bench pipeline"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}
