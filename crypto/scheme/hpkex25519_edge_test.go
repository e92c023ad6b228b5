package scheme

import (
	"bytes"
	"crypto/ecdh"
	"crypto/hpke"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"testing"

	"golang.org/x/crypto/chacha20poly1305"
)

// edgePeers are the public keys where an X25519 implementation is most
// likely to part from crypto/ecdh: every encoding with an all-zero shared
// secret in the Wycheproof file (the seven low-order u and their copies with
// the top bit set: fourteen), every non-canonical u (p to 2^255 − 1) with
// and without the top bit, the small u below 64, and random u with the top
// bit set (about half of them on the twist).
func edgePeers(t *testing.T) [][32]byte {
	t.Helper()
	f := wycheproofX25519(t)
	seen := map[[32]byte]bool{}
	var out [][32]byte
	add := func(u [32]byte) {
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	zeroEncodings := 0
	for _, g := range f.TestGroups {
		for _, tc := range g.Tests {
			if len(tc.Public) == 32 && bytes.Equal(tc.Shared, make([]byte, 32)) {
				if !seen[[32]byte(tc.Public)] {
					zeroEncodings++
				}
				add([32]byte(tc.Public))
			}
		}
	}
	if zeroEncodings != 14 {
		t.Fatalf("%d all-zero-secret encodings in the Wycheproof file, want 14", zeroEncodings)
	}
	p, _ := hex.DecodeString("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")
	for i := range 19 { // p + i for i in 0..18 is below 2^255
		u := [32]byte(p)
		u[0] += byte(i)
		add(u)
		u[31] |= 0x80
		add(u)
	}
	for i := range 64 {
		u := [32]byte{byte(i)}
		add(u)
		u[31] |= 0x80
		add(u)
	}
	for range 64 {
		var u [32]byte
		_, _ = rand.Read(u[:])
		u[31] |= 0x80
		add(u)
	}
	return out
}

// TestX25519EncapEdgePeers holds x25519Encap (the ladder with the inversion
// shared with the fixed-base public key) to crypto/ecdh on every edge peer:
// the same DH output, refused exactly when crypto/ecdh refuses it, and
// crypto/ecdh's public key beside every accepted DH.
func TestX25519EncapEdgePeers(t *testing.T) {
	peers := edgePeers(t)
	for range 8 {
		var sk [32]byte
		_, _ = rand.Read(sk[:])
		k, _ := ecdh.X25519().NewPrivateKey(sk[:])
		for _, u := range peers {
			pk, _ := ecdh.X25519().NewPublicKey(u[:])
			want, wantErr := k.ECDH(pk)
			var pub, dh [32]byte
			ok := x25519Encap(&pub, &dh, &sk, &u)
			if ok != (wantErr == nil) {
				t.Fatalf("sk %x, peer %x: accepted %v; crypto/ecdh %v", sk, u, ok, wantErr)
			}
			if !ok {
				if dh != [32]byte{} {
					t.Fatalf("sk %x, peer %x: refused with a non-zero DH %x", sk, u, dh)
				}
				continue
			}
			if !bytes.Equal(dh[:], want) || !bytes.Equal(pub[:], k.PublicKey().Bytes()) {
				t.Fatalf("sk %x, peer %x: DH %x, public %x; crypto/ecdh %x, %x", sk, u, dh, pub, want, k.PublicKey().Bytes())
			}
		}
	}
}

// TestX25519SchemeEdgePeers: sealing to each edge peer succeeds or fails
// as it did through crypto/hpke, and a low-order enc is ErrEnc from both
// openers.
func TestX25519SchemeEdgePeers(t *testing.T) {
	s := defaultScheme(t)
	priv, _, _ := s.GenerateKey(rand.Reader)
	for _, u := range edgePeers(t) {
		_, _, err := s.Seal(nil, u[:], []byte("i"), []byte("a"), []byte("pt"))
		_, _, want := s.hpkeScheme.Seal(nil, u[:], []byte("i"), []byte("a"), []byte("pt"))
		if (err == nil) != (want == nil) {
			t.Errorf("seal to %x: %v; crypto/hpke %v", u, err, want)
		}
		_, got := s.Open(priv, u[:], nil, nil, make([]byte, 16))
		_, wantOpen := s.hpkeScheme.Open(priv, u[:], nil, nil, make([]byte, 16))
		if got != wantOpen {
			t.Errorf("open with enc %x: %v; crypto/hpke %v", u, got, wantOpen)
		}
	}
}

// TestX25519SchemeTopBitKeys: a recipient key or enc given with the top bit
// set is the same point to X25519 but other bytes to kem_context, which
// RFC 9180 builds from the serialized keys as given. Sealing to such a key
// must bind those bytes as crypto/hpke does (checked both ways through the
// crypto/hkdf key schedule of hpke_vectors_test.go), and the recipient,
// whose own key has the bit clear, refuses the result with ErrOpen from
// both implementations, as it refuses an enc with the bit set.
func TestX25519SchemeTopBitKeys(t *testing.T) {
	s := defaultScheme(t)
	kem, kdf, aead := hpke.DHKEM(ecdh.X25519()), hpke.HKDFSHA256(), hpke.ChaCha20Poly1305()
	suite := []byte(hpkeSuite)
	info, aad, pt := []byte("VPE1 call-request"), []byte("header"), []byte("pt")
	for range 16 {
		priv, pub, _ := s.GenerateKey(rand.Reader)
		sk, _ := ecdh.X25519().NewPrivateKey(priv)
		top := bytes.Clone(pub)
		top[31] |= 0x80

		// Ours, opened by the test's own key schedule with kem_context enc ‖ top.
		enc, ct, err := s.Seal(nil, top, info, aad, pt)
		if err != nil {
			t.Fatal(err)
		}
		pkE, _ := ecdh.X25519().NewPublicKey(enc)
		dh, err := sk.ECDH(pkE)
		if err != nil {
			t.Fatal(err)
		}
		prk := labeledExtract([]byte(kemSuite), nil, "eae_prk", dh)
		shared := labeledExpand([]byte(kemSuite), prk, "shared_secret", append(bytes.Clone(enc), top...), 32)
		ctx := append([]byte{0}, labeledExtract(suite, nil, "psk_id_hash", nil)...)
		ctx = append(ctx, labeledExtract(suite, nil, "info_hash", info)...)
		secret := labeledExtract(suite, shared, "secret", nil)
		a, _ := chacha20poly1305.New(labeledExpand(suite, secret, "key", ctx, 32))
		if got, err := a.Open(nil, labeledExpand(suite, secret, "base_nonce", ctx, 12), ct, aad); err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("our seal to %x: kem_context is not enc ‖ the key as given: %v", top, err)
		}

		// crypto/hpke's, opened by our key schedule with the same kem_context.
		pk, _ := kem.NewPublicKey(top)
		enc2, snd, err := hpke.NewSender(pk, kdf, aead, info)
		if err != nil {
			t.Fatal(err)
		}
		ct2, _ := snd.Seal(aad, pt)
		pkE2, _ := ecdh.X25519().NewPublicKey(enc2)
		dh2, _ := sk.ECDH(pkE2)
		var k hpkeKeys
		keySchedule(&k, (*[32]byte)(dh2), enc2, top, info)
		a2, _ := chacha20poly1305.New(k.key[:])
		if got, err := a2.Open(nil, k.nonce[:], ct2, aad); err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("crypto/hpke's seal to %x does not open with our key schedule: %v", top, err)
		}

		// The recipient: ErrOpen from both, for either seal and for a top-bit enc.
		encTop := bytes.Clone(enc2)
		encTop[31] |= 0x80
		for _, c := range []struct {
			name    string
			enc, ct []byte
		}{{"ours", enc, ct}, {"crypto/hpke's", enc2, ct2}, {"top-bit enc", encTop, ct2}} {
			_, got := s.Open(priv, c.enc, info, aad, c.ct)
			_, want := s.hpkeScheme.Open(priv, c.enc, info, aad, c.ct)
			if got != ErrOpen || want != ErrOpen {
				t.Fatalf("%s: recipient: %v; crypto/hpke %v; want ErrOpen", c.name, got, want)
			}
		}
	}
}

// TestX25519SchemeInfoLengths: neither RFC 9180's HKDF-SHA256 suites nor
// crypto/hpke bound info short of 2^61 bytes (only its one-stage KDFs
// encode len(info) in 16 bits), so infos around the key schedule's stack
// buffer (102 bytes fill it), around 2^16 and of a megabyte seal and open
// both ways, as through crypto/hpke.
func TestX25519SchemeInfoLengths(t *testing.T) {
	s := defaultScheme(t)
	kem, kdf, aead := hpke.DHKEM(ecdh.X25519()), hpke.HKDFSHA256(), hpke.ChaCha20Poly1305()
	priv, pub, _ := s.GenerateKey(rand.Reader)
	sk, _ := kem.NewPrivateKey(priv)
	pk, _ := kem.NewPublicKey(pub)
	for _, n := range []int{0, 63, 64, 65, 101, 102, 103, 128, 65535, 65536, 1 << 20} {
		info := make([]byte, n)
		_, _ = rand.Read(info)
		enc, ct, err := s.Seal(nil, pub, info, []byte("a"), []byte("pt"))
		if err != nil {
			t.Fatalf("info %d B: seal: %v", n, err)
		}
		r, err := hpke.NewRecipient(enc, sk, kdf, aead, info)
		if err != nil {
			t.Fatalf("info %d B: crypto/hpke refuses: %v", n, err)
		}
		if got, err := r.Open([]byte("a"), ct); err != nil || string(got) != "pt" {
			t.Fatalf("info %d B: crypto/hpke does not open our seal: %v", n, err)
		}
		enc2, snd, err := hpke.NewSender(pk, kdf, aead, info)
		if err != nil {
			t.Fatalf("info %d B: crypto/hpke seal: %v", n, err)
		}
		ct2, _ := snd.Seal([]byte("a"), []byte("pt"))
		if got, err := s.Open(priv, enc2, info, []byte("a"), ct2); err != nil || string(got) != "pt" {
			t.Fatalf("info %d B: we do not open crypto/hpke's seal: %v", n, err)
		}
	}
}

// TestX25519SchemeConcurrent: one Opener serves many goroutines at once, as
// the device simulation's does, while others seal; run under -race.
func TestX25519SchemeConcurrent(t *testing.T) {
	s := defaultScheme(t)
	priv, pub, _ := s.GenerateKey(rand.Reader)
	op, err := s.NewOpener(priv)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			var err error
			for i := range 50 {
				pt := []byte{byte(g), byte(i)}
				enc, ct, e := s.Seal(nil, pub, []byte("i"), []byte("a"), pt)
				if e != nil {
					err = e
					break
				}
				got, e := op.Open(enc, []byte("i"), []byte("a"), ct)
				if e != nil || !bytes.Equal(got, pt) {
					err = fmt.Errorf("goroutine %d, message %d: %x, %v", g, i, got, e)
					break
				}
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
