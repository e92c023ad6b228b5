package scheme

import (
	"crypto/ecdh"
	"crypto/fips140"
	"crypto/rand"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/chacha20poly1305"
)

// x25519Scheme is the default scheme, RFC 9180 base mode with
// DHKEM(X25519, HKDF-SHA256), HKDF-SHA256 and ChaCha20-Poly1305, sealing and
// opening through this package's KEM and key schedule instead of
// crypto/hpke's: the output is byte for byte RFC 9180's (the tests pin it to
// the RFC's vectors and to crypto/hpke both ways), at less CPU per seal (the
// ephemeral public key by fixed-base multiplication, x25519.go, and the DH
// with a table per recurring recipient, x25519table.go) and with no
// allocations in the key schedule (keyschedule.go). Key generation, parsing
// and checks are the embedded crypto/hpke scheme's; it stays the test oracle.
type x25519Scheme struct{ hpkeScheme }

// errLowOrder is why a seal to a low-order public key fails, as
// crypto/hpke's would (RFC 9180 §7.1.4).
var errLowOrder = errors.New("low-order point: X25519 gives an all-zero shared secret")

// Seal draws the ephemeral secret from crypto/rand whatever rand is, as
// crypto/hpke did for this scheme and as crypto/ecdh's GenerateKey does
// since Go 1.26: an ephemeral key from a caller's (possibly deterministic)
// reader could repeat, and a repeated ephemeral key with the same recipient
// repeats the ChaCha20-Poly1305 key and nonce. Tests pin the ephemeral key
// through seal.
func (s x25519Scheme) Seal(_ io.Reader, pub, info, aad, pt []byte) ([]byte, []byte, error) {
	var skE [32]byte
	_, _ = rand.Read(skE[:]) // never fails: crypto/rand crashes the program instead
	return s.seal(&skE, pub, info, aad, pt)
}

// seal is SetupBaseS with the ephemeral secret skE, then one Seal at
// sequence number 0. enc and ct share one allocation.
func (s x25519Scheme) seal(skE *[32]byte, pkR, info, aad, pt []byte) (enc, ct []byte, err error) {
	return s.sealWith(peerTables, skE, pkR, info, aad, pt)
}

// sealWith is seal with the recipients' tables from c.
func (s x25519Scheme) sealWith(c *peerCache, skE *[32]byte, pkR, info, aad, pt []byte) (enc, ct []byte, err error) {
	// crypto/ecdh says why a key is refused: a wrong length, or X25519
	// itself under GODEBUG=fips140=only, which crypto/hpke refused here
	// before any arithmetic (x/crypto's ChaCha20-Poly1305 would refuse too,
	// but only after the X25519 work, and with its own message).
	if len(pkR) != 32 || fips140.Enforced() {
		if _, err := ecdh.X25519().NewPublicKey(pkR); err != nil {
			return nil, nil, fmt.Errorf("%s: public key: %w", s.name, err)
		}
	}
	var pkE, dh [32]byte
	if !c.encap(&pkE, &dh, skE, (*[32]byte)(pkR)) {
		return nil, nil, fmt.Errorf("%s: public key: %w", s.name, errLowOrder)
	}
	var k hpkeKeys
	keySchedule(&k, &dh, pkE[:], pkR, info)
	a, err := chacha20poly1305.New(k.key[:])
	if err != nil {
		return nil, nil, err
	}
	out := append(make([]byte, 0, 32+len(pt)+chacha20poly1305.Overhead), pkE[:]...)
	out = a.Seal(out, k.nonce[:], pt, aad)
	return out[:32:32], out[32:], nil
}

func (s x25519Scheme) Open(priv, enc, info, aad, ct []byte) ([]byte, error) {
	o, err := s.NewOpener(priv)
	if err != nil {
		return nil, err
	}
	return o.Open(enc, info, aad, ct)
}

// x25519Opener is a parsed private key: the DH stays crypto/ecdh's, whose
// NewPrivateKey has derived the public key kem_context needs.
type x25519Opener struct {
	sk  *ecdh.PrivateKey
	pkR []byte
}

func (s x25519Scheme) NewOpener(priv []byte) (Opener, error) {
	k, err := ecdh.X25519().NewPrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("%s: private key: %w", s.name, err)
	}
	return &x25519Opener{sk: k, pkR: k.PublicKey().Bytes()}, nil
}

// keys is SetupBaseR: ErrEnc when enc is not 32 bytes or is a low-order
// point, the cases crypto/hpke's NewRecipient refuses.
func (o *x25519Opener) keys(k *hpkeKeys, enc, info []byte) error {
	pkE, err := ecdh.X25519().NewPublicKey(enc)
	if err != nil {
		return ErrEnc
	}
	dh, err := o.sk.ECDH(pkE)
	if err != nil {
		return ErrEnc
	}
	keySchedule(k, (*[32]byte)(dh), enc, o.pkR, info)
	return nil
}

func (o *x25519Opener) Open(enc, info, aad, ct []byte) ([]byte, error) {
	_, pt, err := o.OpenAny(enc, info, [][]byte{aad}, ct)
	return pt, err
}

// OpenAny is hpkeOpener.OpenAny for this scheme: one key schedule for every
// AAD tried, each at sequence number 0.
func (o *x25519Opener) OpenAny(enc, info []byte, aads [][]byte, ct []byte) (int, []byte, error) {
	var k hpkeKeys
	if err := o.keys(&k, enc, info); err != nil {
		return -1, nil, err
	}
	a, err := chacha20poly1305.New(k.key[:])
	if err != nil {
		return -1, nil, err
	}
	for i, aad := range aads {
		if pt, err := a.Open(nil, k.nonce[:], ct, aad); err == nil {
			return i, pt, nil
		}
	}
	return -1, nil, ErrOpen
}
