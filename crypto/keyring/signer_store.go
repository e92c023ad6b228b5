package keyring

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"filippo.io/edwards25519"
)

// SigningAlgorithm is the only caller-signature algorithm (CryptoKit
// Curve25519.Signing, Go crypto/ed25519).
const SigningAlgorithm = "ed25519"

// StoredSigner is a caller signing key on disk, in signers/NAME.json
// (0600). One made here has its private key; an imported one (another
// caller's, to verify its requests) has only the public key.
type StoredSigner struct {
	Name      string    `json:"name"`
	Algorithm string    `json:"algorithm"`
	Public    string    `json:"public_key"`            // base64url, 32 bytes
	Private   string    `json:"private_key,omitempty"` // base64url 32-byte seed; absent when imported
	Created   time.Time `json:"created"`
	// Trust is the caller handles the key is trusted for. A file without
	// handles or any_handle is trusted for none: its signatures are E_SIG.
	Trust
	path string
}

// SignerInfo is what `keys export` prints for a signing key and
// `keys import --signer` reads: never a private key.
type SignerInfo struct {
	Name      string `json:"name"`
	Algorithm string `json:"algorithm"`
	SignerKID string `json:"signer_kid"`
	PublicKey string `json:"public_key"`
}

func (s *Store) signDir() string { return filepath.Join(s.Dir, "signers") }

func (s *Store) signFile(name string) string { return filepath.Join(s.signDir(), name+".json") }

// NewSigning makes a caller signing key, trusted for t: the user's own
// handles, so the user's own envelope open accepts what it signs.
func (s *Store) NewSigning(name string, t Trust, rnd io.Reader) (*StoredSigner, error) {
	if err := t.Check(); err != nil {
		return nil, &NameError{err.Error()}
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	if name == "" {
		ss, err := s.Signers()
		if err != nil {
			return nil, err
		}
		name = fmt.Sprintf("caller-%d", len(ss)+1)
	}
	if err := s.freeName("--name", name); err != nil {
		return nil, err
	}
	k, err := GenerateSigning(rnd)
	if err != nil {
		return nil, err
	}
	ss := &StoredSigner{Name: name, Algorithm: SigningAlgorithm, Public: b64(k.pub), Private: b64(k.Seed()), Created: time.Now().UTC(), Trust: t.clone()}
	return ss, s.saveSigner(ss)
}

// freeName refuses a name no device or signing key may take.
func (s *Store) freeName(what, name string) error {
	if !nameRE.MatchString(name) {
		return &NameError{fmt.Sprintf("%s %q: use letters, digits, dot, dash and underscore", what, name)}
	}
	if _, err := os.Stat(s.file(name)); err == nil {
		return &NameError{fmt.Sprintf("%s %q: a device with that name exists", what, name)}
	}
	if _, err := os.Stat(s.signFile(name)); err == nil {
		return &NameError{fmt.Sprintf("%s %q: a signing key with that name exists", what, name)}
	}
	return nil
}

// ParseSignerInfo reads a `keys export` file of a signing key: unknown
// fields, a bad key or a signer_kid that does not match are refused, naming
// the field.
//
// `keys show --json` adds the handles the key is trusted for; they are
// read and dropped, since a file cannot vouch for whose key it is: the
// importer's --handle says that.
func ParseSignerInfo(b []byte) (SignerInfo, error) {
	var f struct {
		SignerInfo
		Trust
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return SignerInfo{}, fmt.Errorf("not a signing key export: %v", err)
	}
	p := f.SignerInfo
	if p.Algorithm != SigningAlgorithm {
		return SignerInfo{}, fmt.Errorf("field algorithm %q: want %q", p.Algorithm, SigningAlgorithm)
	}
	pub, err := b64decode(p.PublicKey)
	if err != nil {
		return SignerInfo{}, fmt.Errorf("field public_key: not base64url: %v", err)
	}
	if len(pub) != ed25519.PublicKeySize {
		return SignerInfo{}, fmt.Errorf("field public_key: %d bytes, want %d", len(pub), ed25519.PublicKeySize)
	}
	if _, err := new(edwards25519.Point).SetBytes(pub); err != nil {
		// No signature could ever verify with it (crypto/ed25519 refuses
		// every one): say so at import, not as E_SIG on each call.
		return SignerInfo{}, errors.New("field public_key: not an Ed25519 public key (not a point on the curve)")
	}
	if want := b64(SignerKID(pub)); p.SignerKID != "" && p.SignerKID != want {
		return SignerInfo{}, fmt.Errorf("field signer_kid %s does not match the public key (want %s)", p.SignerKID, want)
	}
	if !nameRE.MatchString(p.Name) {
		return SignerInfo{}, fmt.Errorf("field name %q: use letters, digits, dot, dash and underscore", p.Name)
	}
	p.PublicKey = b64(pub)
	return p, nil
}

// ImportSigner trusts another caller's public signing key for the handles
// of t: envelopes it signs as one of them then verify in `envelope open`.
// Importing a key the store has adds t's handles to it.
// The handles come from the user, not from the export: they are whom the
// user verified the key belongs to, which a file cannot vouch for.
func (s *Store) ImportSigner(p SignerInfo, t Trust) (*StoredSigner, error) {
	if err := t.Check(); err != nil {
		return nil, &NameError{err.Error()}
	}
	// A key already in the store, under any name, is trusted for more
	// handles: one key, one file, so its trust cannot split.
	all, err := s.Signers()
	if err != nil {
		return nil, err
	}
	for _, ss := range all {
		if pub, _ := b64decode(ss.Public); b64(pub) == p.PublicKey {
			ss.Trust = ss.Trust.merge(t)
			return ss, s.saveSigner(ss)
		}
	}
	if err := s.freeName("field name", p.Name); err != nil {
		return nil, err
	}
	ss := &StoredSigner{Name: p.Name, Algorithm: SigningAlgorithm, Public: p.PublicKey, Created: time.Now().UTC(), Trust: t.clone()}
	return ss, s.saveSigner(ss)
}

func (s *Store) saveSigner(ss *StoredSigner) error {
	if err := s.writeJSON(s.signDir(), s.signFile(ss.Name), ss); err != nil {
		return err
	}
	ss.path = s.signFile(ss.Name)
	return nil
}

// loadSigner reads one signer file, refusing a private key others can read.
func loadSigner(path string) (*StoredSigner, error) {
	b, mode, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	var ss StoredSigner
	if err := json.Unmarshal(b, &ss); err != nil {
		return nil, fmt.Errorf("%s: not a callscope signing key file: %v", path, err)
	}
	ss.path = path
	if ss.Private != "" && mode&0o077 != 0 {
		return nil, privateReadable(path, mode)
	}
	if ss.Algorithm != SigningAlgorithm {
		return nil, fmt.Errorf("%s: field algorithm %q: want %q", path, ss.Algorithm, SigningAlgorithm)
	}
	if pub, err := b64decode(ss.Public); err != nil || len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%s: field public_key: want 32 bytes of base64url", path)
	}
	return &ss, nil
}

// Signers reads every signing key, sorted by name.
func (s *Store) Signers() ([]*StoredSigner, error) {
	return loadAll(s.signDir(), loadSigner, func(ss *StoredSigner) string { return ss.Name })
}

// GetSigner finds a signing key by name.
func (s *Store) GetSigner(name string) (*StoredSigner, error) {
	if !nameRE.MatchString(name) {
		return nil, &NameError{fmt.Sprintf("signing key %q: not a key name", name)}
	}
	ss, err := loadSigner(s.signFile(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &NameError{fmt.Sprintf("no signing key %q in %s (callscope keys list shows them; make one with keys new --signing --handle H)", name, s.signDir())}
	}
	return ss, err
}

// Trusted is every signing key in the store, made here or imported, with
// the handles it is trusted for: the callers whose signatures `envelope
// open` accepts.
func (s *Store) Trusted() (*Signers, error) {
	all, err := s.Signers()
	if err != nil {
		return nil, err
	}
	set := &Signers{}
	for _, ss := range all {
		pub, _ := b64decode(ss.Public)
		if err := set.Add(ss.Name, pub, ss.Trust); err != nil {
			return nil, fmt.Errorf("%s: %w", ss.path, err)
		}
	}
	return set, nil
}

// Path is the signer's file.
func (ss *StoredSigner) Path() string { return ss.path }

// HasPrivate reports whether the key was made here (it can sign).
func (ss *StoredSigner) HasPrivate() bool { return ss.Private != "" }

// Key is the signing key; an imported signer has none.
func (ss *StoredSigner) Key() (*SigningKey, error) {
	if ss.Private == "" {
		return nil, fmt.Errorf("signing key %s was imported (public key only): it can verify, not sign", ss.Name)
	}
	seed, err := b64decode(ss.Private)
	if err != nil {
		return nil, fmt.Errorf("%s: private_key is not base64url", ss.path)
	}
	k, err := SigningFromSeed(seed)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ss.path, err)
	}
	if b64(k.pub) != strings.TrimRight(ss.Public, "=") {
		return nil, fmt.Errorf("%s: public_key does not belong to private_key", ss.path)
	}
	return k, nil
}

// Info is the signer's public identity.
func (ss *StoredSigner) Info() SignerInfo {
	pub, _ := b64decode(ss.Public)
	return SignerInfo{Name: ss.Name, Algorithm: SigningAlgorithm, SignerKID: b64(SignerKID(pub)), PublicKey: b64(pub)}
}
