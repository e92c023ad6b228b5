package keyring

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"sort"
	"sync"
)

// SignerKIDSize is the length of a signer's key id (signer_kid).
const SignerKIDSize = 8

// SigningKey is a caller's Ed25519 identity key (CryptoKit
// Curve25519.Signing.PrivateKey): it signs call requests so the callee can
// tell the caller from a provider server forging one. The private half
// never leaves it except through Seed, for the 0600 key file.
type SigningKey struct {
	priv ed25519.PrivateKey
	pub  ed25519.PublicKey
	kid  []byte
}

// GenerateSigning makes a signing key.
func GenerateSigning(rand io.Reader) (*SigningKey, error) {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := io.ReadFull(rand, seed); err != nil {
		return nil, err
	}
	return SigningFromSeed(seed)
}

// SigningFromSeed rebuilds a signing key from its 32-byte seed, which is
// what CryptoKit's Curve25519.Signing.PrivateKey.rawRepresentation holds.
func SigningFromSeed(seed []byte) (*SigningKey, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("ed25519 private key is %d bytes, want %d", len(seed), ed25519.SeedSize)
	}
	priv := ed25519.NewKeyFromSeed(seed)
	pub := priv.Public().(ed25519.PublicKey)
	return &SigningKey{priv: priv, pub: pub, kid: SignerKID(pub)}, nil
}

// SignerKID is the first 8 bytes of SHA-256("VPE1 signer" ‖ Ed25519 public key).
func SignerKID(pub []byte) []byte {
	h := sha256.New()
	h.Write([]byte("VPE1 signer"))
	h.Write(pub)
	return h.Sum(nil)[:SignerKIDSize]
}

func (k *SigningKey) Public() []byte { return bytes.Clone(k.pub) }
func (k *SigningKey) KID() []byte    { return bytes.Clone(k.kid) }

// Sign signs msg (Ed25519, RFC 8032).
func (k *SigningKey) Sign(msg []byte) []byte { return ed25519.Sign(k.priv, msg) }

// Seed returns the private key for storage in a 0600 file; never log it.
func (k *SigningKey) Seed() []byte { return bytes.Clone(k.priv.Seed()) }

// String never shows the private key.
func (k *SigningKey) String() string {
	return "ed25519 signing key " + base64.RawURLEncoding.EncodeToString(k.kid)
}

// Signer is a caller's public signing key the receiver trusts, and the
// caller handles it is trusted for: a signature proves who holds the key,
// not who the request says is calling, so the key is bound to the contact
// whose identity key the user verified.
type Signer struct {
	Name   string
	Public ed25519.PublicKey
	KID    []byte
	Trust
}

// Signers is the set of caller keys a device trusts, by signer_kid. It is
// safe for concurrent use.
type Signers struct {
	mu sync.RWMutex
	m  map[string]Signer
}

// NewSigners trusts the public halves of keys, each for the caller handle.
func NewSigners(handle string, keys ...*SigningKey) *Signers {
	s := &Signers{}
	for i, k := range keys {
		_ = s.Add(fmt.Sprintf("signer-%d", i+1), k.Public(), Trust{Handles: []string{handle}})
	}
	return s
}

// Add trusts a public key for the handles of t. A zero Trust is trusted
// for no handle: every request it signs is refused (E_SIG), which is the
// safe reading of a key file that does not say whose key it is.
func (s *Signers) Add(name string, pub []byte, t Trust) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("ed25519 public key is %d bytes, want %d", len(pub), ed25519.PublicKeySize)
	}
	kid := SignerKID(pub)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]Signer{}
	}
	if old, ok := s.m[string(kid)]; ok {
		// One key under two names: trusted for the handles of both.
		old.Trust = old.Trust.merge(t)
		s.m[string(kid)] = old
		return nil
	}
	s.m[string(kid)] = Signer{Name: name, Public: bytes.Clone(pub), KID: kid, Trust: t.clone()}
	return nil
}

// Lookup finds a trusted key by signer_kid.
func (s *Signers) Lookup(kid []byte) (Signer, bool) {
	if s == nil {
		return Signer{}, false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	k, ok := s.m[string(kid)]
	return k, ok
}

// List returns the trusted keys, by name.
func (s *Signers) List() []Signer {
	if s == nil {
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Signer, 0, len(s.m))
	for _, k := range s.m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
