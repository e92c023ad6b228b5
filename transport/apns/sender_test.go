package apns_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sideshow/apns2/token"
	"software.sslmate.com/src/go-pkcs12"

	"github.com/callscope/callscope/transport/apns"
	"github.com/callscope/callscope/transport/apnsmock"
)

// TestSenderCachesTheJWT: one Sender signs one JWT and reuses it on every
// push (the mock answers a new token within 20 minutes 429
// TooManyProviderTokenUpdates, so a token per push would fail), and signs a
// new one once apns2's 50 minutes, inside Apple's 20-60, have passed.
func TestSenderCachesTheJWT(t *testing.T) {
	key, err := apns.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	var ahead atomic.Int64 // the mock's clock runs this far ahead
	m, err := apnsmock.New(apnsmock.Config{Topics: []string{"com.example.app"}, AnyDevice: true,
		Now:  func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) },
		Keys: []apnsmock.ProviderKey{{KeyID: "KEYID00001", TeamID: "TEAM000001", Public: &key.PublicKey}}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	tk := &token.Token{AuthKey: key, KeyID: "KEYID00001", TeamID: "TEAM000001"}
	s, err := apns.NewSender(apns.SenderConfig{Token: tk, RootCAs: m.RootCAs()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.CloseIdleConnections()
	push := func(want int, wantReason string) string {
		t.Helper()
		r := goodRequest()
		r.Host = m.URL()
		res, err := s.Send(context.Background(), r)
		if err != nil || res.Status != want || res.Reason != wantReason {
			t.Fatalf("push: %+v, %v; want %d %s", res, err, want, wantReason)
		}
		a, _ := s.Authorization()
		return a
	}
	first := push(200, "")
	for range 3 {
		if a := push(200, ""); a != first {
			t.Fatal("the JWT changed between pushes")
		}
	}
	// The control: a token signed anew on the same connection is refused.
	tk.Lock()
	tk.Generate()
	tk.Unlock()
	cur := push(429, "TooManyProviderTokenUpdates")

	// 21 minutes on (the mock's clock) the new token may replace the first;
	// 21 more and, 50 minutes old by apns2's clock, it is renewed, and the
	// renewal accepted.
	ahead.Store(int64(21 * time.Minute))
	tk.Lock()
	tk.IssuedAt -= token.TokenTimeout - 1
	tk.Unlock()
	if a := push(200, ""); a != cur {
		t.Fatal("renewed before 50 minutes")
	}
	ahead.Store(int64(42 * time.Minute))
	tk.Lock()
	tk.IssuedAt--
	old := tk.Bearer
	tk.Unlock()
	renewed := push(200, "")
	if renewed == "bearer "+old {
		t.Fatal("not renewed after 50 minutes")
	}
	var claims struct{ Iat int64 }
	seg, _ := base64.RawURLEncoding.DecodeString(strings.Split(strings.TrimPrefix(renewed, "bearer "), ".")[1])
	if json.Unmarshal(seg, &claims); time.Since(time.Unix(claims.Iat, 0)) > time.Minute {
		t.Fatalf("renewed token's iat %d is not now", claims.Iat)
	}
}

// TestSenderCertificateAuth: a .p12 exported as Keychain (legacy) or
// OpenSSL 3 (AES) does it loads and pushes on a certificate connection.
func TestSenderCertificateAuth(t *testing.T) {
	m, err := apnsmock.New(apnsmock.Config{Topics: []string{"com.example.app"}, AnyDevice: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	cert, err := m.IssueClientCert(apnsmock.ClientCertOptions{BundleID: "com.example.app", Environment: "sandbox"})
	if err != nil {
		t.Fatal(err)
	}
	for name, enc := range map[string]*pkcs12.Encoder{"legacy": pkcs12.LegacyDES, "modern": pkcs12.Modern2023} {
		t.Run(name, func(t *testing.T) {
			der, err := enc.Encode(cert.PrivateKey, cert.Leaf, nil, "s3cret")
			if err != nil {
				t.Fatal(err)
			}
			p12 := filepath.Join(t.TempDir(), "push.p12")
			if err := os.WriteFile(p12, der, 0o600); err != nil {
				t.Fatal(err)
			}
			if _, _, err := apns.LoadP12(p12, "wrong"); err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "wrong password") {
				t.Fatalf("wrong password: %v", err)
			}
			c, info, err := apns.LoadP12(p12, "s3cret")
			if err != nil {
				t.Fatal(err)
			}
			if info.BundleID != "com.example.app" || !info.Sandbox || info.Production {
				t.Fatalf("info %+v", info)
			}
			if err := apns.CheckCertFor(info, apns.HostProduction, time.Now()); err == nil || !strings.Contains(err.Error(), "BadCertificateEnvironment") {
				t.Fatalf("a sandbox certificate for production: %v", err)
			}
			if err := apns.CheckCertFor(info, apns.HostSandbox, time.Now()); err != nil {
				t.Fatal(err)
			}
			s, err := apns.NewSender(apns.SenderConfig{Cert: &c, RootCAs: m.RootCAs()})
			if err != nil {
				t.Fatal(err)
			}
			defer s.CloseIdleConnections()
			r := goodRequest()
			r.Host = m.URL()
			res, err := s.Send(context.Background(), r)
			if err != nil || res.Status != 200 {
				t.Fatalf("%+v %v", res, err)
			}
		})
	}
}

// TestLoadP8RefusesWhatIsNotAnAPNsKey: only a PKCS#8 PEM of a P-256 key is
// a .p8 as Apple issues it; each other kind says what it is.
func TestLoadP8RefusesWhatIsNotAnAPNsKey(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	sec1, _ := x509.MarshalECPrivateKey(p256)
	pk384, _ := x509.MarshalPKCS8PrivateKey(p384)
	good, _ := apns.EncodeP8(p256)
	ed := mustDecodePEM(edPEM)
	tests := []struct{ name, path, want string }{
		{"p8", write("good.p8", good), ""},
		{"not PEM", write("x.p8", []byte("hello")), "not a PEM file"},
		{"SEC1", write("sec1.p8", pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1})), `"EC PRIVATE KEY", not PKCS#8`},
		{"P-384", write("p384.p8", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk384})), "P-384, not P-256"},
		{"Ed25519", write("ed.p8", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ed})), "not an EC P-256 key"},
		{"missing", filepath.Join(dir, "none.p8"), "no such file"},
	}
	for _, tt := range tests {
		_, err := apns.LoadP8(tt.path)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.path)) {
			t.Errorf("%s: %v, want %q naming the file", tt.name, err, tt.want)
		}
	}
}

// edPEM is RFC 8410's example Ed25519 private key.
const edPEM = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE KEY-----\n"

func mustDecodePEM(s string) []byte {
	b, _ := pem.Decode([]byte(s))
	return b.Bytes
}
