package apnsmock

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"time"
)

// issuer is the CA made at start: it signs the server certificate and, for
// certificate-auth tests, provider client certificates.
type issuer struct {
	key    *ecdsa.PrivateKey
	cert   *x509.Certificate
	der    []byte
	serial int64
}

func newIssuer() (*issuer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "callscope mock APNs CA", Organization: []string{"callscope"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(7 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &issuer{key: key, cert: cert, der: der, serial: 1}, nil
}

func (is *issuer) pem() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: is.der})
}

func (is *issuer) sign(tmpl *x509.Certificate) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	is.serial++
	tmpl.SerialNumber = big.NewInt(is.serial)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, is.cert, &key.PublicKey, is.key)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der, is.der}, PrivateKey: key, Leaf: leaf}, nil
}

// serverCert covers 127.0.0.1, ::1 and localhost, so any client can trust
// the mock through the CA's PEM.
func (is *issuer) serverCert() (tls.Certificate, error) {
	now := time.Now()
	return is.sign(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "api.sandbox.push.apple.com (callscope mock)"},
		NotBefore:   now.Add(-time.Hour),
		NotAfter:    now.Add(7 * 24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.IPv6loopback},
		DNSNames:    []string{"localhost"},
	})
}

// Apple's certificate extensions (node-apn lib/credentials/certificate/oids.js).
var (
	oidDevelopment = asn1.ObjectIdentifier{1, 2, 840, 113635, 100, 6, 3, 1}
	oidProduction  = asn1.ObjectIdentifier{1, 2, 840, 113635, 100, 6, 3, 2}
	oidUID         = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}
)

// ClientCertOptions describe a provider certificate to issue.
type ClientCertOptions struct {
	BundleID string
	// Environment is "sandbox", "production" or "" for both, as Apple's
	// current "APNs client TLS certificates" are.
	Environment string
	NotAfter    time.Time // zero: a week from now
}

// IssueClientCert makes a provider certificate signed by the mock's CA, with
// the bundle id in the subject UID and Apple's environment extensions.
func (s *Server) IssueClientCert(o ClientCertOptions) (tls.Certificate, error) {
	now := time.Now()
	if o.NotAfter.IsZero() {
		o.NotAfter = now.Add(7 * 24 * time.Hour)
	}
	var ext []pkix.Extension
	null := []byte{0x05, 0x00}
	if o.Environment == "" || o.Environment == "sandbox" {
		ext = append(ext, pkix.Extension{Id: oidDevelopment, Value: null})
	}
	if o.Environment == "" || o.Environment == "production" {
		ext = append(ext, pkix.Extension{Id: oidProduction, Value: null})
	}
	return s.ca.sign(&x509.Certificate{
		Subject: pkix.Name{CommonName: "Apple Push Services: " + o.BundleID,
			ExtraNames: []pkix.AttributeTypeAndValue{{Type: oidUID, Value: o.BundleID}}},
		NotBefore:       now.Add(-2 * time.Hour),
		NotAfter:        o.NotAfter,
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtKeyUsage:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		ExtraExtensions: ext,
	})
}

// WriteCA writes the CA's PEM to path (0644: it is public) for clients to
// trust. It fails when the mock serves a given certificate.
func (s *Server) WriteCA(path string) error {
	if s.caPEM == nil {
		return fmt.Errorf("no CA: the mock serves the certificate given with --cert")
	}
	return os.WriteFile(path, s.caPEM, 0o644)
}
