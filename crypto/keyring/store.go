package keyring

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/callscope/callscope/crypto/scheme"
)

// Store keeps device identities under the user's data directory: one JSON
// file per device in devices/ (0600: it holds private keys) and the default
// device's name in "default". Directories are 0700.
type Store struct{ Dir string }

// DefaultDir is $XDG_DATA_HOME/callscope, or ~/.local/share/callscope.
func DefaultDir() (string, error) {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "callscope"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no data directory: set XDG_DATA_HOME (%v)", err)
	}
	return filepath.Join(home, ".local", "share", "callscope"), nil
}

// Device is one identity: a simulated iPhone with its APNs token and its
// keys, current first. An imported device has public keys only.
type Device struct {
	Name   string       `json:"name"`
	Scheme string       `json:"scheme"`
	Token  string       `json:"device_token"` // hex, as APNs tokens are written
	Keys   []*StoredKey `json:"keys"`
	path   string
}

// StoredKey is one key pair on disk.
type StoredKey struct {
	Scheme  string    `json:"scheme"`
	Public  string    `json:"public_key"`            // base64url
	Private string    `json:"private_key,omitempty"` // base64url; absent for imported devices
	Created time.Time `json:"created"`
	Rotated bool      `json:"rotated,omitempty"`
}

// PublicInfo is what `keys show --json` and `keys export` print and
// `keys import` reads: never a private key.
type PublicInfo struct {
	Name        string `json:"name"`
	Scheme      string `json:"scheme"`
	KID         string `json:"kid"`
	PublicKey   string `json:"public_key"`
	DeviceToken string `json:"device_token"`
}

// NameError is a device name the store cannot take: the caller's input is
// at fault, not the disk.
type NameError struct{ msg string }

func (e *NameError) Error() string { return e.msg }

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

func (s *Store) devDir() string { return filepath.Join(s.Dir, "devices") }

func (s *Store) file(name string) string { return filepath.Join(s.devDir(), name+".json") }

func (s *Store) mkdirs() error {
	for _, d := range []string{s.Dir, s.devDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return err
		}
		// MkdirAll keeps an existing directory's mode; a key directory
		// others can list is tightened, not trusted.
		if err := os.Chmod(d, 0o700); err != nil {
			return err
		}
	}
	return nil
}

// New makes a device identity; the first one becomes the default device.
func (s *Store) New(name, schemeName string, rnd io.Reader) (*Device, error) {
	if schemeName == "" {
		schemeName = scheme.Default
	}
	if _, err := scheme.ByName(schemeName); err != nil {
		return nil, fmt.Errorf("--scheme: %w", err)
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	existing, err := s.List()
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = fmt.Sprintf("iphone-%d", len(existing)+1)
	}
	if !nameRE.MatchString(name) {
		return nil, &NameError{fmt.Sprintf("--name %q: use letters, digits, dot, dash and underscore", name)}
	}
	for _, d := range existing {
		if d.Name == name {
			return nil, &NameError{fmt.Sprintf("--name %q: a device with that name exists (%s)", name, d.path)}
		}
	}
	if _, err := s.GetSigner(name); err == nil {
		return nil, &NameError{fmt.Sprintf("--name %q: a signing key with that name exists", name)}
	}
	tok := make([]byte, 32)
	if _, err := io.ReadFull(rnd, tok); err != nil {
		return nil, err
	}
	d := &Device{Name: name, Scheme: schemeName, Token: hex.EncodeToString(tok), path: s.file(name)}
	if err := d.addKey(rnd); err != nil {
		return nil, err
	}
	if err := s.save(d); err != nil {
		return nil, err
	}
	if len(existing) == 0 {
		if err := s.SetDefault(name); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (d *Device) addKey(rnd io.Reader) error {
	k, err := Generate(d.Scheme, rnd)
	if err != nil {
		return err
	}
	for _, o := range d.Keys {
		o.Rotated = true
	}
	sk := &StoredKey{Scheme: d.Scheme, Public: b64(k.pub), Private: b64(k.priv), Created: time.Now().UTC()}
	d.Keys = append([]*StoredKey{sk}, d.Keys...)
	return nil
}

// Rotate gives a device a new current key; the old ones stay, marked
// rotated, to open pushes sealed before the server learnt the new key.
func (s *Store) Rotate(name string, rnd io.Reader) (*Device, error) {
	d, err := s.Get(name)
	if err != nil {
		return nil, err
	}
	if !d.HasPrivate() {
		return nil, &NameError{fmt.Sprintf("device %s was imported (public key only): rotate it on its own machine", d.Name)}
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	if err := d.addKey(rnd); err != nil {
		return nil, err
	}
	return d, s.save(d)
}

// Import stores another device's public key, so envelopes can be sealed for it.
func (s *Store) Import(p PublicInfo) (*Device, error) {
	sch, err := scheme.ByName(p.Scheme)
	if err != nil {
		return nil, fmt.Errorf("field scheme: %w", err)
	}
	if !nameRE.MatchString(p.Name) {
		return nil, fmt.Errorf("field name %q: use letters, digits, dot, dash and underscore", p.Name)
	}
	pub, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(p.PublicKey, "="))
	if err != nil {
		return nil, fmt.Errorf("field public_key: not base64url: %v", err)
	}
	if err := sch.CheckPublic(pub); err != nil {
		return nil, fmt.Errorf("field public_key: %w", err)
	}
	if p.KID != "" && p.KID != b64(KID(sch, pub)) {
		return nil, fmt.Errorf("field kid %s does not match the public key (want %s)", p.KID, b64(KID(sch, pub)))
	}
	if tok, err := hex.DecodeString(p.DeviceToken); err != nil || len(tok) == 0 {
		return nil, fmt.Errorf("field device_token: want hex")
	}
	if err := s.freeName("field name", p.Name); err != nil {
		return nil, err
	}
	d := &Device{Name: p.Name, Scheme: sch.Name(), Token: strings.ToLower(p.DeviceToken), path: s.file(p.Name),
		Keys: []*StoredKey{{Scheme: sch.Name(), Public: b64(pub), Created: time.Now().UTC()}}}
	return d, s.save(d)
}

func (s *Store) save(d *Device) error {
	if err := s.writeJSON(s.devDir(), s.file(d.Name), d); err != nil {
		return err
	}
	d.path = s.file(d.Name)
	return nil
}

// writeJSON writes v to path inside dir, 0600.
func (s *Store) writeJSON(dir, path string, v any) error {
	if err := s.mkdirs(); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	// Write a 0600 temporary file and rename it: a crash never leaves a
	// half-written key file, and the key never sits in a wider-mode file.
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Load reads one device file, refusing a private key others can read.
func Load(path string) (*Device, error) {
	b, mode, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	var d Device
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("%s: not a callscope device file: %v", path, err)
	}
	d.path = path
	if d.HasPrivate() && mode&0o077 != 0 {
		return nil, privateReadable(path, mode)
	}
	if _, err := scheme.ByName(d.Scheme); err != nil {
		return nil, fmt.Errorf("%s: field scheme: %w", path, err)
	}
	if len(d.Keys) == 0 {
		return nil, fmt.Errorf("%s: no keys", path)
	}
	return &d, nil
}

// List reads every device, sorted by name.
func (s *Store) List() ([]*Device, error) {
	return loadAll(s.devDir(), Load, func(d *Device) string { return d.Name })
}

// Default is the default device's name, "" when there is none.
func (s *Store) Default() string {
	b, err := os.ReadFile(filepath.Join(s.Dir, "default"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// SetDefault makes name the default device.
func (s *Store) SetDefault(name string) error {
	if err := s.mkdirs(); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(s.Dir, "default"), []byte(name+"\n"), 0o600)
}

// Get finds a device by name; "" is the default device.
func (s *Store) Get(name string) (*Device, error) {
	// A name that is not there is the caller's input at fault: NameError.
	if name == "" {
		if name = s.Default(); name == "" {
			return nil, &NameError{fmt.Sprintf("no default device in %s: make one with callscope keys new", s.Dir)}
		}
	}
	if !nameRE.MatchString(name) {
		return nil, &NameError{fmt.Sprintf("device %q: not a device name", name)}
	}
	d, err := Load(s.file(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &NameError{fmt.Sprintf("no device %q in %s (callscope keys list shows them)", name, s.devDir())}
	}
	return d, err
}

// Path is the device's file.
func (d *Device) Path() string { return d.path }

// HasPrivate reports whether the device holds private keys (made here, not imported).
func (d *Device) HasPrivate() bool { return len(d.Keys) > 0 && d.Keys[0].Private != "" }

// Current is the current key's public half.
func (d *Device) Current() (scheme.Scheme, []byte, error) {
	k := d.Keys[0]
	s, err := scheme.ByName(k.Scheme)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", d.path, err)
	}
	pub, err := base64.RawURLEncoding.DecodeString(k.Public)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: public_key: %v", d.path, err)
	}
	return s, pub, nil
}

// TokenBytes is the raw device token.
func (d *Device) TokenBytes() ([]byte, error) {
	b, err := hex.DecodeString(d.Token)
	if err != nil {
		return nil, fmt.Errorf("%s: device_token is not hex", d.path)
	}
	return b, nil
}

// Public is the device's public identity.
func (d *Device) Public() (PublicInfo, error) {
	s, pub, err := d.Current()
	if err != nil {
		return PublicInfo{}, err
	}
	return PublicInfo{Name: d.Name, Scheme: s.Name(), KID: b64(KID(s, pub)), PublicKey: b64(pub), DeviceToken: d.Token}, nil
}

// Ring holds the device's private keys, current first, rotated marked.
func (d *Device) Ring() (*Ring, error) {
	var keys []*Key
	for i, sk := range d.Keys {
		if sk.Private == "" {
			return nil, fmt.Errorf("%s: device %s has no private key (imported)", d.path, d.Name)
		}
		priv, err := base64.RawURLEncoding.DecodeString(sk.Private)
		if err != nil {
			return nil, fmt.Errorf("%s: key %d: private_key is not base64url", d.path, i)
		}
		k, err := FromPrivate(sk.Scheme, priv)
		if err != nil {
			return nil, fmt.Errorf("%s: key %d: %w", d.path, i, err)
		}
		if pub, _ := base64.RawURLEncoding.DecodeString(sk.Public); !bytes.Equal(pub, k.pub) {
			return nil, fmt.Errorf("%s: key %d: public_key does not belong to private_key", d.path, i)
		}
		k.Rotated = sk.Rotated
		keys = append(keys, k)
	}
	return &Ring{keys: keys}, nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// pathErr names the file once: "FILE: permission denied".
func pathErr(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("%s: %w", path, err)
}

func b64decode(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}
