// Package keyring holds a device's envelope keys: the current key pair and
// rotated ones kept to open late pushes. A private key never leaves a Key:
// it is not exported, marshalled or printed.
package keyring

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"sync"

	"github.com/callscope/callscope/crypto/scheme"
)

// KIDSize is the key id's length (docs/envelope.md).
const KIDSize = 8

// Key is one device key pair, bound to one scheme.
type Key struct {
	scheme  scheme.Scheme
	priv    []byte
	pub     []byte
	kid     []byte
	opener  scheme.Opener // the parsed private key
	Rotated bool
}

// Generate makes a key pair for a scheme.
func Generate(schemeName string, rand io.Reader) (*Key, error) {
	s, err := scheme.ByName(schemeName)
	if err != nil {
		return nil, err
	}
	priv, _, err := s.GenerateKey(rand)
	if err != nil {
		return nil, err
	}
	return FromPrivate(schemeName, priv)
}

// FromPrivate rebuilds a key from its scheme and private key bytes.
func FromPrivate(schemeName string, priv []byte) (*Key, error) {
	s, err := scheme.ByName(schemeName)
	if err != nil {
		return nil, err
	}
	pub, err := s.PublicKey(priv)
	if err != nil {
		return nil, fmt.Errorf("%s private key: %w", schemeName, err)
	}
	o, err := s.NewOpener(priv)
	if err != nil {
		return nil, err
	}
	return &Key{scheme: s, priv: bytes.Clone(priv), pub: pub, kid: KID(s, pub), opener: o}, nil
}

// KID is the first 8 bytes of SHA-256("VPE1 kid" ‖ u8 scheme id ‖ public key):
// a key id bound to its scheme, so a header cannot downgrade a key.
func KID(s scheme.Scheme, pub []byte) []byte {
	var buf [96]byte // public keys are 32 or 65 bytes: the input stays on the stack
	sum := sha256.Sum256(append(append(append(buf[:0], "VPE1 kid"...), s.ID()), pub...))
	return append([]byte(nil), sum[:KIDSize]...)
}

func (k *Key) Scheme() scheme.Scheme { return k.scheme }
func (k *Key) Public() []byte        { return bytes.Clone(k.pub) }
func (k *Key) KID() []byte           { return bytes.Clone(k.kid) }

// Open decrypts with this key.
func (k *Key) Open(enc, info, aad, ct []byte) ([]byte, error) {
	return k.opener.Open(enc, info, aad, ct)
}

// OpenAny opens with the first of aads that authenticates ct, returning
// its index, or -1 and an error.
func (k *Key) OpenAny(enc, info []byte, aads [][]byte, ct []byte) (int, []byte, error) {
	if a, ok := k.opener.(scheme.AnyOpener); ok {
		return a.OpenAny(enc, info, aads, ct)
	}
	for i, aad := range aads {
		if pt, err := k.opener.Open(enc, info, aad, ct); err == nil {
			return i, pt, nil
		}
	}
	return -1, nil, scheme.ErrOpen
}

// PrivateBytes returns the private key for storage in a 0600 file; never log it.
func (k *Key) PrivateBytes() []byte { return bytes.Clone(k.priv) }

// String never shows the private key.
func (k *Key) String() string { return fmt.Sprintf("%s key %x", k.scheme.Name(), k.kid) }

// Ring is the keys one device holds. It is safe for concurrent reads.
type Ring struct {
	mu   sync.RWMutex
	keys []*Key
}

// NewRing holds keys; the first is current.
func NewRing(keys ...*Key) *Ring { return &Ring{keys: keys} }

// Lookup finds the key with a kid.
func (r *Ring) Lookup(kid []byte) *Key {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, k := range r.keys {
		if bytes.Equal(k.kid, kid) {
			return k
		}
	}
	return nil
}

// Keys returns the keys held, current first.
func (r *Ring) Keys() []*Key {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]*Key(nil), r.keys...)
}

// Add puts a key in front and marks the others rotated.
func (r *Ring) Add(k *Key) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, o := range r.keys {
		o.Rotated = true
	}
	r.keys = append([]*Key{k}, r.keys...)
}
