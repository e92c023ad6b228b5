package scheme

import (
	"bytes"
	"crypto/ecdh"
	"crypto/hpke"
	"testing"
)

// FuzzX25519Open feeds the default scheme's Open arbitrary enc, info, aad
// and ct for one fixed key and holds it to crypto/hpke (the embedded
// hpkeScheme): the same plaintext, or the same ErrEnc/ErrOpen, never a
// panic. The seeds include a valid envelope so mutations start from bytes
// that open.
func FuzzX25519Open(f *testing.F) {
	s := defaultScheme(f)
	priv := bytes.Repeat([]byte{0x42}, 32)
	pub, err := s.PublicKey(priv)
	if err != nil {
		f.Fatal(err)
	}
	info, aad := []byte("VPE1 call-request"), []byte("header")
	enc, ct, err := s.Seal(nil, pub, info, aad, []byte(`{"type":"call.invite"}`))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(enc, info, aad, ct)
	f.Add(enc, info, aad, ct[:16])
	f.Add(enc[:31], info, aad, ct)
	f.Add(mustHex(f, lowOrder[2]), info, aad, ct)
	f.Add([]byte{}, []byte{}, []byte{}, []byte{})
	op, err := s.NewOpener(priv)
	if err != nil {
		f.Fatal(err)
	}
	oracle, err := s.hpkeScheme.NewOpener(priv)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, enc, info, aad, ct []byte) {
		got, gotErr := op.Open(enc, info, aad, ct)
		want, wantErr := oracle.Open(enc, info, aad, ct)
		if gotErr != wantErr || !bytes.Equal(got, want) {
			t.Fatalf("Open: %x, %v; crypto/hpke %x, %v", got, gotErr, want, wantErr)
		}
	})
}

// FuzzX25519Seal seals arbitrary plaintexts, AADs and infos with arbitrary
// ephemeral secrets: enc is crypto/ecdh's public key for the secret, and
// crypto/hpke opens the result.
func FuzzX25519Seal(f *testing.F) {
	s := defaultScheme(f)
	priv := bytes.Repeat([]byte{0x42}, 32)
	pub, err := s.PublicKey(priv)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(bytes.Repeat([]byte{1}, 32), []byte("VPE1 call-request"), []byte("header"), []byte("pt"))
	f.Add(make([]byte, 32), []byte{}, []byte{}, []byte{})
	f.Add(bytes.Repeat([]byte{0xff}, 32), bytes.Repeat([]byte("i"), 300), []byte{}, []byte{})
	kem, kdf, aead := hpke.DHKEM(ecdh.X25519()), hpke.HKDFSHA256(), hpke.ChaCha20Poly1305()
	sk, err := kem.NewPrivateKey(priv)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, skE, info, aad, pt []byte) {
		if len(skE) != 32 {
			return
		}
		enc, ct, err := s.seal((*[32]byte)(skE), pub, info, aad, pt)
		if err != nil {
			t.Fatal(err)
		}
		k, _ := ecdh.X25519().NewPrivateKey(skE)
		if !bytes.Equal(enc, k.PublicKey().Bytes()) {
			t.Fatalf("enc %x, crypto/ecdh public key %x", enc, k.PublicKey().Bytes())
		}
		r, err := hpke.NewRecipient(enc, sk, kdf, aead, info)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := r.Open(aad, ct); err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("crypto/hpke open: %v", err)
		}
	})
}

// FuzzX25519Table holds the sender's DH against arbitrary peers to
// crypto/ecdh: a table exactly for the u on the curve (and not the pole
// u = −1), the DH through it or, without one, through the ladder, equal to
// crypto/ecdh's and the ladder's, refused exactly when crypto/ecdh
// refuses. FuzzX25519Seal, with one recipient key, seals through that
// key's table from its second input on.
func FuzzX25519Table(f *testing.F) {
	for _, h := range lowOrder {
		f.Add(bytes.Repeat([]byte{7}, 32), mustHex(f, h))
	}
	f.Add(bytes.Repeat([]byte{0xff}, 32), append([]byte{9}, make([]byte, 31)...))
	f.Add(make([]byte, 32), bytes.Repeat([]byte{0xff}, 32))
	f.Fuzz(func(t *testing.T, sk, pk []byte) {
		if len(sk) != 32 || len(pk) != 32 {
			return
		}
		checkTablePath(t, (*[32]byte)(pk), [][32]byte{[32]byte(sk)})
	})
}
