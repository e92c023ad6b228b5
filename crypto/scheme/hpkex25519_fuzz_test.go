package scheme

import (
	"bytes"
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
