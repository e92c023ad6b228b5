package apns

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

var appleIDRE = regexp.MustCompile(`^[A-Z0-9]{10}$`)

// CheckAppleID checks a key id or team id: Apple issues both as 10
// characters, upper-case letters and digits.
func CheckAppleID(what, id string) error {
	if !appleIDRE.MatchString(id) {
		return fmt.Errorf("%q: a %s is 10 characters, upper-case letters and digits, as Apple issues it (got %d)", id, what, len(id))
	}
	return nil
}

// Apple's certificate extensions: the push certificate is for development
// (sandbox), production, or both (node-apn lib/credentials/certificate/oids.js).
var (
	oidAPNsDevelopment = asn1.ObjectIdentifier{1, 2, 840, 113635, 100, 6, 3, 1}
	oidAPNsProduction  = asn1.ObjectIdentifier{1, 2, 840, 113635, 100, 6, 3, 2}
	oidUID             = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}
)

// CertInfo is what a provider certificate says about itself.
type CertInfo struct {
	Subject  string
	BundleID string // the subject's UID: the topic it pushes to
	// Sandbox and Production are the environments it is for; neither
	// extension means both, as a non-Apple certificate is taken.
	Sandbox, Production bool
	NotAfter            time.Time
}

// Environments names the environments, for display.
func (c CertInfo) Environments() string {
	switch {
	case c.Sandbox && c.Production:
		return "sandbox and production"
	case c.Production:
		return "production only"
	}
	return "sandbox only"
}

// DescribeCert reads Apple's markers from a leaf certificate.
func DescribeCert(leaf *x509.Certificate) CertInfo {
	ci := CertInfo{Subject: leaf.Subject.CommonName, NotAfter: leaf.NotAfter}
	for _, n := range leaf.Subject.Names {
		if n.Type.Equal(oidUID) {
			ci.BundleID, _ = n.Value.(string)
		}
	}
	for _, e := range leaf.Extensions {
		ci.Sandbox = ci.Sandbox || e.Id.Equal(oidAPNsDevelopment)
		ci.Production = ci.Production || e.Id.Equal(oidAPNsProduction)
	}
	if !ci.Sandbox && !ci.Production {
		ci.Sandbox, ci.Production = true, true
	}
	return ci
}

// LoadP12 reads a provider certificate and its key from a PKCS#12 file as
// Keychain Access exports it, legacy (3DES) or OpenSSL 3's AES, naming the
// file in every error. The password is never part of an error.
func LoadP12(path, password string) (tls.Certificate, CertInfo, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return tls.Certificate{}, CertInfo{}, fmt.Errorf("%s: %v", path, err)
	}
	key, leaf, cas, err := pkcs12.DecodeChain(b, password)
	if err != nil {
		if errors.Is(err, pkcs12.ErrIncorrectPassword) {
			return tls.Certificate{}, CertInfo{}, fmt.Errorf("%s: wrong password (or not a PKCS#12 file)", path)
		}
		return tls.Certificate{}, CertInfo{}, fmt.Errorf("%s: not a PKCS#12 certificate with its key: %v", path, err)
	}
	chain := [][]byte{leaf.Raw}
	for _, c := range cas {
		chain = append(chain, c.Raw)
	}
	return tls.Certificate{Certificate: chain, PrivateKey: key, Leaf: leaf}, DescribeCert(leaf), nil
}

// CheckCertFor refuses a certificate that cannot work on host before any
// push: expired, or for the other environment (APNs would answer
// BadCertificate or BadCertificateEnvironment).
func CheckCertFor(ci CertInfo, host string, now time.Time) error {
	if now.After(ci.NotAfter) {
		return fmt.Errorf("the certificate expired %s (APNs: BadCertificate)", ci.NotAfter.UTC().Format(time.RFC3339))
	}
	switch Environment(host) {
	case "sandbox":
		if !ci.Sandbox {
			return fmt.Errorf("a production-only certificate for the sandbox host %s (APNs: BadCertificateEnvironment); use --apns production", hostName(host))
		}
	case "production":
		if !ci.Production {
			return fmt.Errorf("a sandbox-only certificate for the production host %s (APNs: BadCertificateEnvironment); use --apns sandbox", hostName(host))
		}
	}
	return nil
}

// Environment says which of Apple's environments a base URL is: "sandbox",
// "production", or "" for any other host (the mock, a proxy).
func Environment(host string) string {
	switch h := hostName(host); {
	case h == "api.sandbox.push.apple.com" || h == "api.development.push.apple.com":
		return "sandbox"
	case h == "api.push.apple.com":
		return "production"
	}
	return ""
}

func hostName(base string) string {
	h := strings.TrimPrefix(base, "https://")
	if i := strings.IndexAny(h, ":/"); i >= 0 {
		h = h[:i]
	}
	return h
}
