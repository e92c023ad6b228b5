package scheme

import (
	"bytes"
	"crypto/ecdh"
	"crypto/hmac"
	"crypto/hpke"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	mrand "math/rand/v2"
	"testing"
)

// defaultScheme is the registered default scheme, this package's HPKE.
func defaultScheme(t testing.TB) x25519Scheme {
	t.Helper()
	s, err := ByName(Default)
	if err != nil {
		t.Fatal(err)
	}
	x, ok := s.(x25519Scheme)
	if !ok {
		t.Fatalf("%s is a %T, not x25519Scheme", Default, s)
	}
	return x
}

// TestX25519SchemeRFC9180Seal: sealed with the vector's ephemeral key, the
// default scheme gives RFC 9180 A.2.1's enc and first ciphertext byte for
// byte, and its key schedule the vector's key and base_nonce.
func TestX25519SchemeRFC9180Seal(t *testing.T) {
	s := defaultScheme(t)
	n := 0
	for _, v := range loadHPKE(t) {
		if v.Mode != 0 || v.KEM != 0x0020 || v.AEAD != 0x0003 {
			continue
		}
		n++
		e0 := v.Encryptions[0]
		enc, ct, err := s.seal((*[32]byte)(v.SkEm), v.PkRm, v.Info, e0.AAD, e0.PT)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(enc, v.Enc) || !bytes.Equal(ct, e0.CT) {
			t.Fatalf("seal with skEm:\nenc %x\nct  %x\nwant\nenc %x\nct  %x", enc, ct, v.Enc, e0.CT)
		}
		if cap(enc) != len(enc) {
			t.Fatalf("enc has room to grow into ct: len %d cap %d", len(enc), cap(enc))
		}
		var k hpkeKeys
		dh, _ := ecdh.X25519().NewPrivateKey(v.SkEm)
		pk, _ := ecdh.X25519().NewPublicKey(v.PkRm)
		shared, _ := dh.ECDH(pk)
		keySchedule(&k, (*[32]byte)(shared), v.Enc, v.PkRm, v.Info)
		if !bytes.Equal(k.key[:], v.Key) || !bytes.Equal(k.nonce[:], v.BaseNonce) {
			t.Fatalf("key schedule: key %x nonce %x; want %x %x", k.key, k.nonce, v.Key, v.BaseNonce)
		}
		pt, err := s.Open(v.SkRm, v.Enc, v.Info, e0.AAD, e0.CT)
		if err != nil || !bytes.Equal(pt, e0.PT) {
			t.Fatalf("open: %x, %v", pt, err)
		}
	}
	if n != 1 {
		t.Fatalf("%d X25519/ChaCha20-Poly1305 base-mode vectors, want 1", n)
	}
}

// randBytes is n random bytes from r.
func randBytes(r *mrand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// TestX25519SchemeDifferential holds the default scheme to crypto/hpke (the
// embedded hpkeScheme, what the scheme was before) over random keys,
// messages, AADs and infos, the infos long enough to spill the key
// schedule's stack buffer: each side opens the other's seal, and tampered
// enc, ct, aad and info fail with the same error from both.
func TestX25519SchemeDifferential(t *testing.T) {
	s := defaultScheme(t)
	oracle := s.hpkeScheme
	kem, kdf, aead := hpke.DHKEM(ecdh.X25519()), hpke.HKDFSHA256(), hpke.ChaCha20Poly1305()
	seed := mrand.Uint64()
	r := mrand.New(mrand.NewPCG(seed, 14))
	n := 2000
	if testing.Short() || raceEnabled {
		n = 200
	}
	for i := range n {
		priv, pub, err := s.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		info, aad, pt := randBytes(r, r.IntN(300)), randBytes(r, r.IntN(100)), randBytes(r, r.IntN(1100))
		what := fmt.Sprintf("seed %d, case %d (info %d B, aad %d B, pt %d B)", seed, i, len(info), len(aad), len(pt))

		enc, ct, err := s.Seal(nil, pub, info, aad, pt)
		if err != nil || len(enc) != 32 || len(ct) != len(pt)+16 {
			t.Fatalf("%s: seal: %d+%d bytes, %v", what, len(enc), len(ct), err)
		}
		sk, _ := kem.NewPrivateKey(priv)
		rcp, err := hpke.NewRecipient(enc, sk, kdf, aead, info)
		if err != nil {
			t.Fatalf("%s: crypto/hpke refuses our enc: %v", what, err)
		}
		if got, err := rcp.Open(aad, ct); err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("%s: crypto/hpke does not open our seal: %v", what, err)
		}

		pk, _ := kem.NewPublicKey(pub)
		enc2, snd, err := hpke.NewSender(pk, kdf, aead, info)
		if err != nil {
			t.Fatal(err)
		}
		ct2, _ := snd.Seal(aad, pt)
		if got, err := s.Open(priv, enc2, info, aad, ct2); err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("%s: our Open does not open crypto/hpke's seal: %v", what, err)
		}

		flip := func(b []byte) []byte {
			b = bytes.Clone(b)
			if len(b) == 0 {
				return []byte{0}
			}
			b[r.IntN(len(b))] ^= 1 << r.IntN(8)
			return b
		}
		tampered := []struct {
			name               string
			enc, info, aad, ct []byte
		}{
			{"enc", flip(enc), info, aad, ct},
			{"short enc", enc[:31], info, aad, ct},
			{"ct", enc, info, aad, flip(ct)},
			{"short ct", enc, info, aad, ct[:r.IntN(16)]},
			{"aad", enc, info, flip(aad), ct},
			{"info", enc, flip(info), aad, ct},
		}
		for _, tc := range tampered {
			_, got := s.Open(priv, tc.enc, tc.info, tc.aad, tc.ct)
			_, want := oracle.Open(priv, tc.enc, tc.info, tc.aad, tc.ct)
			if got != want || (got != ErrOpen && got != ErrEnc) {
				t.Fatalf("%s: tampered %s: %v; crypto/hpke %v", what, tc.name, got, want)
			}
		}
	}
}

// lowOrder are the X25519 u-coordinates whose multiples by a clamped scalar
// are all zero (points of order 1, 2, 4 and 8, and their non-canonical
// encodings), from the Wycheproof X25519 vectors.
var lowOrder = []string{
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0100000000000000000000000000000000000000000000000000000000000000",
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
}

// TestX25519SchemeLowOrder: a low-order enc is ErrEnc, as with crypto/hpke,
// and sealing to a low-order public key fails, as it did.
func TestX25519SchemeLowOrder(t *testing.T) {
	s := defaultScheme(t)
	priv, _, _ := s.GenerateKey(rand.Reader)
	for _, h := range lowOrder {
		p := mustHex(t, h)
		_, got := s.Open(priv, p, nil, nil, make([]byte, 16))
		_, want := s.hpkeScheme.Open(priv, p, nil, nil, make([]byte, 16))
		if got != ErrEnc || want != ErrEnc {
			t.Errorf("enc %s: %v; crypto/hpke %v; want ErrEnc", h, got, want)
		}
		if _, _, err := s.Seal(nil, p, nil, nil, []byte("x")); err == nil {
			t.Errorf("sealed to low-order public key %s", h)
		}
		if _, _, err := s.hpkeScheme.Seal(nil, p, nil, nil, []byte("x")); err == nil {
			t.Errorf("crypto/hpke sealed to low-order public key %s", h)
		}
	}
	if _, _, err := s.Seal(nil, make([]byte, 31), nil, nil, nil); err == nil {
		t.Error("sealed to a 31-byte public key")
	}
}

// TestHMACMatchesStdlib: the key schedule's HMAC-SHA256 (key block, one
// Sum256 per pass) equals crypto/hmac for keys of 0 to 64 bytes and
// messages across SHA-256's block and padding boundaries, including ones
// longer than the stack buffer.
func TestHMACMatchesStdlib(t *testing.T) {
	r := mrand.New(mrand.NewPCG(1, 2))
	for _, kl := range []int{0, 1, 32, 63, 64} {
		for ml := range 400 {
			key, msg := randBytes(r, kl), randBytes(r, ml)
			var buf [sha256.BlockSize + 128]byte
			var got [32]byte
			hmacFinish(&got, key, append(hmacKeyBlock(buf[:0], key, 0x36), msg...))
			m := hmac.New(sha256.New, key)
			m.Write(msg)
			if want := m.Sum(nil); !bytes.Equal(got[:], want) {
				t.Fatalf("key %d B, msg %d B: %x, want %x", kl, ml, got, want)
			}
		}
	}
}

// TestHKDFWycheproofOneBlock runs the Wycheproof HKDF-SHA256 vectors the
// key schedule's shape covers (salt at most one block, output at most one
// hash) through its HMAC: Extract, then Expand's first block.
func TestHKDFWycheproofOneBlock(t *testing.T) {
	f := wycheproofHKDF(t)
	n := 0
	for _, g := range f.TestGroups {
		for _, tc := range g.Tests {
			if tc.Result != "valid" || tc.Size > sha256.Size || len(tc.Salt) > sha256.BlockSize {
				continue
			}
			n++
			var prk, okm [32]byte
			hmacFinish(&prk, tc.Salt, append(hmacKeyBlock(nil, tc.Salt, 0x36), tc.IKM...))
			hmacFinish(&okm, prk[:], append(append(hmacKeyBlock(nil, prk[:], 0x36), tc.Info...), 1))
			if !bytes.Equal(okm[:tc.Size], tc.OKM) {
				t.Errorf("tc %d: %x, want %x", tc.TcID, okm[:tc.Size], tc.OKM)
			}
		}
	}
	if n < 20 {
		t.Fatalf("only %d one-block cases", n)
	}
}

// TestX25519SchemeOpenAny: one key schedule serves every AAD tried; the
// first that authenticates wins, whatever failed before it.
func TestX25519SchemeOpenAny(t *testing.T) {
	s := defaultScheme(t)
	priv, pub, _ := s.GenerateKey(rand.Reader)
	enc, ct, err := s.Seal(nil, pub, []byte("i"), []byte("b"), []byte("pt"))
	if err != nil {
		t.Fatal(err)
	}
	op, _ := s.NewOpener(priv)
	o := op.(AnyOpener)
	for _, tc := range []struct {
		aads []string
		want int
		err  error
	}{
		{[]string{"b"}, 0, nil},
		{[]string{"a", "b", "b"}, 1, nil},
		{[]string{"", "a", "c", "b"}, 3, nil},
		{nil, -1, ErrOpen},
		{[]string{"a"}, -1, ErrOpen},
	} {
		aads := make([][]byte, len(tc.aads))
		for i, a := range tc.aads {
			aads[i] = []byte(a)
		}
		i, pt, err := o.OpenAny(enc, []byte("i"), aads, ct)
		if i != tc.want || err != tc.err || (err == nil && string(pt) != "pt") {
			t.Errorf("%q: %d %q %v; want %d %v", tc.aads, i, pt, err, tc.want, tc.err)
		}
	}
	if i, _, err := o.OpenAny(enc[:5], []byte("i"), [][]byte{[]byte("b")}, ct); i != -1 || err != ErrEnc {
		t.Errorf("short enc: %d %v, want -1 ErrEnc", i, err)
	}
}
