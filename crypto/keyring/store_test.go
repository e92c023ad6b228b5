package keyring

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callscope/callscope/crypto/scheme"
)

func newStore(t *testing.T) *Store {
	return &Store{Dir: filepath.Join(t.TempDir(), "callscope")}
}

func TestNewDefaultAndModes(t *testing.T) {
	st := newStore(t)
	for i, alg := range scheme.Names() {
		d, err := st.New("", alg, nil)
		if err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(d.Path())
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: mode %v, %v; want 0600", d.Path(), fi.Mode(), err)
		}
		if i == 0 && st.Default() != d.Name {
			t.Fatalf("first device %s is not the default (%q)", d.Name, st.Default())
		}
	}
	if st.Default() != "iphone-1" {
		t.Fatalf("default %q changed after more devices", st.Default())
	}
	for _, dir := range []string{st.Dir, filepath.Join(st.Dir, "devices")} {
		if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
			t.Fatalf("%s: mode %v, want 0700", dir, fi.Mode())
		}
	}
	ds, err := st.List()
	if err != nil || len(ds) != 3 {
		t.Fatalf("List = %d devices, %v", len(ds), err)
	}
}

// TestPublicJSON: show --json sizes and the absence of private material.
func TestPublicJSON(t *testing.T) {
	st := newStore(t)
	sizes := map[string]int{scheme.NameX25519: 32, scheme.NameP256: 65, scheme.NameSealedBox: 32}
	for alg, size := range sizes {
		d, err := st.New("", alg, nil)
		if err != nil {
			t.Fatal(err)
		}
		p, err := d.Public()
		if err != nil {
			t.Fatal(err)
		}
		pub, _ := b64decode(p.PublicKey)
		if len(pub) != size || (size == 65 && pub[0] != 4) {
			t.Fatalf("%s public key %d bytes, want %d (uncompressed for P-256)", alg, len(pub), size)
		}
		b, _ := json.Marshal(p)
		if strings.Contains(string(b), d.Keys[0].Private) || strings.Contains(string(b), "private") {
			t.Fatalf("public JSON leaks the private key: %s", b)
		}
		ring, err := d.Ring()
		if err != nil || !strings.Contains(ring.Keys()[0].String(), "key") || strings.Contains(ring.Keys()[0].String(), d.Keys[0].Private) {
			t.Fatalf("ring: %v", err)
		}
	}
}

func TestRotateKeepsOld(t *testing.T) {
	st := newStore(t)
	d, err := st.New("phone", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := d.Public()
	d, err = st.Rotate("phone", nil)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := d.Public()
	if before.KID == after.KID || before.DeviceToken != after.DeviceToken {
		t.Fatalf("rotate: kid %s → %s, token %s → %s", before.KID, after.KID, before.DeviceToken, after.DeviceToken)
	}
	ring, err := d.Ring()
	if err != nil {
		t.Fatal(err)
	}
	keys := ring.Keys()
	if len(keys) != 2 || keys[0].Rotated || !keys[1].Rotated || b64(keys[1].KID()) != before.KID {
		t.Fatalf("ring after rotate: %v", keys)
	}
}

func TestImportExport(t *testing.T) {
	a, b := newStore(t), newStore(t)
	d, _ := a.New("ipad", scheme.NameP256, nil)
	p, _ := d.Public()
	got, err := b.Import(p)
	if err != nil {
		t.Fatal(err)
	}
	if gp, _ := got.Public(); gp != p || got.HasPrivate() {
		t.Fatalf("imported %+v, private %v", gp, got.HasPrivate())
	}
	if _, err := got.Ring(); err == nil {
		t.Fatal("an imported device has a ring")
	}
	bad := []struct {
		name  string
		edit  func(*PublicInfo)
		field string
	}{
		{"scheme", func(p *PublicInfo) { p.Scheme = "rsa" }, "field scheme"},
		{"kid", func(p *PublicInfo) { p.Name, p.KID = "x1", "AAAAAAAAAAA" }, "field kid"},
		{"point", func(p *PublicInfo) { p.Name, p.PublicKey = "x2", b64(make([]byte, 65)) }, "field public_key"},
		{"token", func(p *PublicInfo) { p.Name, p.DeviceToken = "x3", "zz" }, "field device_token"},
		{"duplicate", func(*PublicInfo) {}, "field name"},
	}
	for _, c := range bad {
		q := p
		c.edit(&q)
		if _, err := b.Import(q); err == nil || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: err %v, want one naming %s", c.name, err, c.field)
		}
	}
}

func TestRefusesBadFiles(t *testing.T) {
	rows := []struct {
		name, want string
		spoil      func(path string)
	}{
		{"group readable", "chmod 600", func(p string) { os.Chmod(p, 0o640) }},
		{"world readable", "chmod 600", func(p string) { os.Chmod(p, 0o604) }},
		{"not json", "not a callscope device file", func(p string) { os.WriteFile(p, []byte("{"), 0o600) }},
		{"unreadable", "permission denied", func(p string) { os.Chmod(p, 0o000) }},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			st := newStore(t)
			d, _ := st.New("phone", "", nil)
			r.spoil(d.Path())
			if r.name == "unreadable" && os.Geteuid() == 0 {
				t.Skip("root reads any file")
			}
			_, err := st.Get("phone")
			if err == nil || !strings.Contains(err.Error(), r.want) || !strings.Contains(err.Error(), d.Path()) {
				t.Fatalf("err %v, want one naming %s and %q", err, d.Path(), r.want)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	st := newStore(t)
	if _, err := st.New("x", "rsa", nil); err == nil || !strings.Contains(err.Error(), "--scheme") {
		t.Fatalf("unknown scheme: %v", err)
	}
	if _, err := st.New("../evil", "", nil); err == nil || !strings.Contains(err.Error(), "--name") {
		t.Fatalf("bad name: %v", err)
	}
	if _, err := st.Get(""); err == nil || !strings.Contains(err.Error(), "keys new") {
		t.Fatalf("no default: %v", err)
	}
}
