// Package h2yard is the yardstick the mock's HTTP/2 is held to: Go's own
// net/http HTTP/2 server over TLS (ALPN h2), with default settings and a
// handler that does nothing but read the request and answer a short JSON
// body. The h2spec comparison and the idle-connection memory test run it as
// internal/h2baseline; `callscope bench apns` runs it as the hidden
// `callscope bench-baseline`, a separate process from the same binary, as
// the mock is.
package h2yard

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"time"
)

// Serve listens on listen, prints "listening on https://ADDR" to out once
// it accepts connections, and serves until the process ends.
func Serve(listen string, out io.Writer) error {
	cert, err := selfSigned()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", listen, err)
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// A body on every answer, as the mock's (a JSON reason) is:
			// h2spec's flow-control cases wait for DATA frames and skip
			// their negative-window case for bodies under 5 bytes.
			_, _ = io.Copy(io.Discard, r.Body)
			_, _ = io.WriteString(w, `{"server":"h2baseline"}`)
		}),
		// The same key type and TLS floor as the mock's generated certificate,
		// so that the handshake costs the same on both.
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
	}
	fmt.Fprintf(out, "listening on https://%s\n", ln.Addr())
	return srv.ServeTLS(ln, "", "")
}

// selfSigned makes an ECDSA P-256 certificate for 127.0.0.1 and localhost.
func selfSigned() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "h2baseline"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
