package keyring

import (
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestSignerHandlesRoundTrip: the handles a signing key is trusted for
// (made here or imported) are written to its 0600 file, read back by
// another Store on the same directory, and carried into Trusted.
func TestSignerHandlesRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s := &Store{Dir: dir}
	own, err := s.NewSigning("me", Trust{Handles: []string{"alice@example.org", "+15551234567"}}, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	info, _ := json.Marshal(own.Info())
	p, err := ParseSignerInfo([]byte(strings.Replace(string(info), `"me"`, `"bob"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	other := &Store{Dir: t.TempDir()}
	if _, err := other.ImportSigner(p, Trust{Handles: []string{"bob@example.org"}}); err != nil {
		t.Fatal(err)
	}
	// Importing the key again, under another name, trusts it for one more
	// handle: still one file.
	p.Name = "robert"
	again, err := other.ImportSigner(p, Trust{Handles: []string{"bob@example.org", "+15557654321"}})
	if err != nil || again.Name != "bob" {
		t.Fatalf("re-import: %v, %+v", err, again)
	}
	if _, err := other.GetSigner("robert"); err == nil {
		t.Fatal("a second file for one key")
	}
	tk, _ := GenerateSigning(rand.Reader)
	if _, err := s.ImportSigner(SignerInfo{Name: "tester", Algorithm: SigningAlgorithm, PublicKey: b64(tk.Public())}, Trust{AnyHandle: true}); err != nil {
		t.Fatal(err)
	}
	for _, st := range []*Store{s, other} {
		ents, _ := os.ReadDir(st.signDir())
		for _, e := range ents {
			if fi, _ := os.Stat(filepath.Join(st.signDir(), e.Name())); fi.Mode().Perm() != 0o600 {
				t.Fatalf("%s: mode %v, want 0600", e.Name(), fi.Mode().Perm())
			}
		}
	}

	rows := []struct {
		st      *Store
		name    string
		handles []string
		any     bool
	}{
		{&Store{Dir: dir}, "me", []string{"alice@example.org", "+15551234567"}, false},
		{&Store{Dir: dir}, "tester", nil, true},
		{&Store{Dir: other.Dir}, "bob", []string{"bob@example.org", "+15557654321"}, false},
	}
	for _, r := range rows {
		got, err := r.st.GetSigner(r.name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Handles, r.handles) || got.AnyHandle != r.any {
			t.Fatalf("%s read back trusted for %v (any %v), want %v (any %v)", r.name, got.Handles, got.AnyHandle, r.handles, r.any)
		}
		trusted, err := r.st.Trusted()
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, sg := range trusted.List() {
			if sg.Name == r.name {
				found = true
				if !slices.Equal(sg.Handles, r.handles) || sg.AnyHandle != r.any {
					t.Fatalf("Trusted %s: %v", r.name, sg.Trust)
				}
			}
		}
		if !found {
			t.Fatalf("%s not trusted", r.name)
		}
	}
}

// TestTrustRules: a key is trusted for exactly its handles (byte for
// byte) or, with any_handle, for all; a Trust naming none is refused when
// made, and a file naming none is trusted for nothing.
func TestTrustRules(t *testing.T) {
	alice := Trust{Handles: []string{"alice@example.org"}}
	for _, r := range []struct {
		t      Trust
		handle string
		want   bool
	}{
		{alice, "alice@example.org", true},
		{alice, "mallory@example.org", false},
		{alice, "Alice@example.org", false},
		{Trust{AnyHandle: true}, "mallory@example.org", true},
		{Trust{}, "alice@example.org", false},
	} {
		if got := r.t.For(r.handle); got != r.want {
			t.Errorf("%v.For(%q) = %v, want %v", r.t, r.handle, got, r.want)
		}
	}
	for _, bad := range []Trust{{}, {Handles: []string{"a"}, AnyHandle: true}, {Handles: []string{""}}, {Handles: []string{"alice @x"}}} {
		if err := bad.Check(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	// One key added under two names is trusted for the handles of both.
	k2, _ := GenerateSigning(rand.Reader)
	set := &Signers{}
	_ = set.Add("a", k2.Public(), alice)
	_ = set.Add("b", k2.Public(), Trust{Handles: []string{"+15551234567"}})
	if sg, _ := set.Lookup(k2.KID()); !sg.For("alice@example.org") || !sg.For("+15551234567") || len(set.List()) != 1 {
		t.Fatalf("merged %+v", set.List())
	}
	s := &Store{Dir: t.TempDir()}
	if _, err := s.NewSigning("x", Trust{}, rand.Reader); err == nil || !strings.Contains(err.Error(), "--handle") {
		t.Fatalf("a key trusted for no handle: %v", err)
	}
	// A file that names no handle (written before handles existed) loads,
	// trusted for none.
	k, _ := GenerateSigning(rand.Reader)
	legacy := `{"name":"old","algorithm":"ed25519","public_key":"` + b64(k.Public()) + `","created":"2026-12-01T00:00:00Z"}`
	os.MkdirAll(s.signDir(), 0o700)
	if err := os.WriteFile(s.signFile("old"), []byte(legacy), 0o600); err != nil {
		t.Fatal(err)
	}
	trusted, err := s.Trusted()
	if err != nil {
		t.Fatal(err)
	}
	if sg, ok := trusted.Lookup(k.KID()); !ok || sg.For("alice@example.org") || sg.Trust.String() != "no handle" {
		t.Fatalf("legacy signer %+v %v", sg, ok)
	}
}
