package apns

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	"github.com/sideshow/apns2/token"
)

// GenerateKey makes a P-256 key like the .p8 Apple issues for token auth.
func GenerateKey() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

// EncodeP8 returns the key as a .p8 file holds it: PKCS#8 in PEM.
func EncodeP8(k *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// WriteP8 writes the key to path with mode 0600, refusing to overwrite.
func WriteP8(path string, k *ecdsa.PrivateKey) error {
	b, err := EncodeP8(k)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// LoadP8 reads a .p8 signing key, naming the file in every error: Apple
// issues a PKCS#8 PEM of a P-256 key, and APNs verifies ES256 only.
func LoadP8(path string) (*ecdsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%s: %v", path, pe.Err)
		}
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("%s: not a PEM file (want the .p8 key from your Apple developer account)", path)
	}
	if block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s: a PEM %q, not PKCS#8 \"PRIVATE KEY\" as Apple's .p8 is (convert: openssl pkcs8 -topk8 -nocrypt)", path, block.Type)
	}
	k, err := token.AuthKeyFromBytes(b)
	switch {
	case errors.Is(err, token.ErrAuthKeyNotECDSA):
		return nil, fmt.Errorf("%s: not an EC P-256 key (APNs tokens are signed with ES256)", path)
	case err != nil:
		return nil, fmt.Errorf("%s: not a PKCS#8 private key: %v", path, err)
	case k.Curve != elliptic.P256():
		return nil, fmt.Errorf("%s: an EC key on %s, not P-256 (APNs tokens are signed with ES256)", path, k.Curve.Params().Name)
	}
	return k, nil
}
