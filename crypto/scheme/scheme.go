package scheme

import (
	"crypto/ecdh"
	"crypto/hpke"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/nacl/box"
)

// Names and numeric ids (docs/envelope.md).
const (
	NameX25519    = "hpke-x25519-sha256-chacha20poly1305"
	NameP256      = "hpke-p256-sha256-aes256gcm"
	NameSealedBox = "sodium-sealedbox-x25519-xsalsa20poly1305"
	Default       = NameX25519
)

// ErrOpen is the one error every authentication failure returns: no oracle.
var ErrOpen = errors.New("authentication failed")

// ErrEnc is returned when the KEM rejects the encapsulated key.
var ErrEnc = errors.New("encapsulated key rejected")

// Scheme seals and opens one message for one recipient key.
type Scheme interface {
	ID() uint8
	Name() string
	// HasAAD is false for sealed boxes: the header is bound inside the plaintext.
	HasAAD() bool
	// EncSize is the size of the encapsulated key, 0 when it is inside ct.
	EncSize() int
	// GenerateKey returns a private key's bytes and its public key's bytes.
	GenerateKey(rand io.Reader) (priv, pub []byte, err error)
	// CheckPublic rejects bytes that are not a public key of this scheme.
	CheckPublic(pub []byte) error
	// PublicKey derives the public key from a private key.
	PublicKey(priv []byte) ([]byte, error)
	// Seal encrypts pt for pub; enc is nil for sealed boxes.
	Seal(rand io.Reader, pub, info, aad, pt []byte) (enc, ct []byte, err error)
	// Open decrypts; failures are ErrEnc or ErrOpen.
	Open(priv, enc, info, aad, ct []byte) ([]byte, error)
	// NewOpener parses a private key once for many Opens: parsing derives
	// the public key, a scalar multiplication as costly as the open's DH.
	NewOpener(priv []byte) (Opener, error)
}

// Opener is a parsed private key.
type Opener interface {
	Open(enc, info, aad, ct []byte) ([]byte, error)
}

var all = []Scheme{
	x25519Scheme{hpkeScheme{id: 1, name: NameX25519, curve: ecdh.X25519(), kdf: hpke.HKDFSHA256(), aead: hpke.ChaCha20Poly1305(), enc: 32}},
	hpkeScheme{id: 2, name: NameP256, curve: ecdh.P256(), kdf: hpke.HKDFSHA256(), aead: hpke.AES256GCM(), enc: 65},
	sealedBox{},
}

// All lists the schemes in id order.
func All() []Scheme { return append([]Scheme(nil), all...) }

// Names lists the scheme names.
func Names() []string {
	out := make([]string, len(all))
	for i, s := range all {
		out[i] = s.Name()
	}
	return out
}

// ByName finds a scheme by its alg string.
func ByName(name string) (Scheme, error) {
	for _, s := range all {
		if s.Name() == name {
			return s, nil
		}
	}
	return nil, fmt.Errorf("unknown scheme %q (want %s)", name, strings.Join(Names(), ", "))
}

// ByID finds a scheme by its numeric id.
func ByID(id uint8) (Scheme, error) {
	for _, s := range all {
		if s.ID() == id {
			return s, nil
		}
	}
	return nil, fmt.Errorf("unknown scheme id %d", id)
}

type hpkeScheme struct {
	id    uint8
	name  string
	curve ecdh.Curve
	kdf   hpke.KDF
	aead  hpke.AEAD
	enc   int
}

func (s hpkeScheme) ID() uint8    { return s.id }
func (s hpkeScheme) Name() string { return s.name }
func (s hpkeScheme) HasAAD() bool { return true }
func (s hpkeScheme) EncSize() int { return s.enc }

func (s hpkeScheme) GenerateKey(rand io.Reader) ([]byte, []byte, error) {
	k, err := s.curve.GenerateKey(rand)
	if err != nil {
		return nil, nil, err
	}
	return k.Bytes(), k.PublicKey().Bytes(), nil
}

func (s hpkeScheme) CheckPublic(pub []byte) error {
	if _, err := hpke.DHKEM(s.curve).NewPublicKey(pub); err != nil {
		return fmt.Errorf("not a %s public key (%d bytes; want %d): %v", s.name, len(pub), s.enc, err)
	}
	return nil
}

func (s hpkeScheme) PublicKey(priv []byte) ([]byte, error) {
	k, err := s.curve.NewPrivateKey(priv)
	if err != nil {
		return nil, err
	}
	return k.PublicKey().Bytes(), nil
}

func (s hpkeScheme) Seal(_ io.Reader, pub, info, aad, pt []byte) ([]byte, []byte, error) {
	pk, err := hpke.DHKEM(s.curve).NewPublicKey(pub)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: public key: %w", s.name, err)
	}
	enc, snd, err := hpke.NewSender(pk, s.kdf, s.aead, info)
	if err != nil {
		return nil, nil, err
	}
	ct, err := snd.Seal(aad, pt)
	return enc, ct, err
}

func (s hpkeScheme) Open(priv, enc, info, aad, ct []byte) ([]byte, error) {
	o, err := s.NewOpener(priv)
	if err != nil {
		return nil, err
	}
	return o.Open(enc, info, aad, ct)
}

type hpkeOpener struct {
	s  hpkeScheme
	sk hpke.PrivateKey
}

func (s hpkeScheme) NewOpener(priv []byte) (Opener, error) {
	k, err := s.curve.NewPrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("%s: private key: %w", s.name, err)
	}
	sk, err := hpke.NewDHKEMPrivateKey(k)
	if err != nil {
		return nil, err
	}
	return hpkeOpener{s: s, sk: sk}, nil
}

func (o hpkeOpener) Open(enc, info, aad, ct []byte) ([]byte, error) {
	s := o.s
	r, err := hpke.NewRecipient(enc, o.sk, s.kdf, s.aead, info)
	if err != nil {
		return nil, ErrEnc
	}
	pt, err := r.Open(aad, ct)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// OpenAny opens ct with the first of aads that authenticates it and says
// which: one key schedule (one DH) for every try, since a failed Open does
// not advance the context. The E_AUTH diagnosis uses it to try header
// values. No AAD opens it: -1, ErrOpen.
func (o hpkeOpener) OpenAny(enc, info []byte, aads [][]byte, ct []byte) (int, []byte, error) {
	s := o.s
	r, err := hpke.NewRecipient(enc, o.sk, s.kdf, s.aead, info)
	if err != nil {
		return -1, nil, ErrEnc
	}
	for i, aad := range aads {
		if pt, err := r.Open(aad, ct); err == nil {
			return i, pt, nil
		}
	}
	return -1, nil, ErrOpen
}

// AnyOpener is an Opener that can try many AADs for one ciphertext cheaply
// (the HPKE schemes).
type AnyOpener interface {
	OpenAny(enc, info []byte, aads [][]byte, ct []byte) (int, []byte, error)
}

type sealedBox struct{}

func (sealedBox) ID() uint8    { return 3 }
func (sealedBox) Name() string { return NameSealedBox }
func (sealedBox) HasAAD() bool { return false }
func (sealedBox) EncSize() int { return 0 }

func (sealedBox) GenerateKey(rand io.Reader) ([]byte, []byte, error) {
	pub, priv, err := box.GenerateKey(rand)
	if err != nil {
		return nil, nil, err
	}
	return priv[:], pub[:], nil
}

func (sealedBox) CheckPublic(pub []byte) error {
	if _, err := ecdh.X25519().NewPublicKey(pub); err != nil {
		return fmt.Errorf("not a %s public key (%d bytes; want 32): %v", NameSealedBox, len(pub), err)
	}
	return nil
}

func (sealedBox) PublicKey(priv []byte) ([]byte, error) {
	k, err := ecdh.X25519().NewPrivateKey(priv)
	if err != nil {
		return nil, err
	}
	return k.PublicKey().Bytes(), nil
}

func (sealedBox) Seal(rand io.Reader, pub, _, _, pt []byte) ([]byte, []byte, error) {
	if len(pub) != 32 {
		return nil, nil, fmt.Errorf("%s: public key is %d bytes, want 32", NameSealedBox, len(pub))
	}
	ct, err := box.SealAnonymous(nil, pt, (*[32]byte)(pub), rand)
	return nil, ct, err
}

func (s sealedBox) Open(priv, enc, info, aad, ct []byte) ([]byte, error) {
	o, err := s.NewOpener(priv)
	if err != nil {
		return nil, err
	}
	return o.Open(enc, info, aad, ct)
}

type boxOpener struct{ priv, pub [32]byte }

func (s sealedBox) NewOpener(priv []byte) (Opener, error) {
	if len(priv) != 32 {
		return nil, fmt.Errorf("%s: private key is %d bytes, want 32", NameSealedBox, len(priv))
	}
	pub, err := s.PublicKey(priv)
	if err != nil {
		return nil, err
	}
	return &boxOpener{priv: [32]byte(priv), pub: [32]byte(pub)}, nil
}

func (o *boxOpener) Open(_, _, _, ct []byte) ([]byte, error) {
	pt, ok := box.OpenAnonymous(nil, ct, &o.pub, &o.priv)
	if !ok {
		return nil, ErrOpen
	}
	return pt, nil
}
