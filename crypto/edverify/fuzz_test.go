package edverify

import (
	"crypto/ed25519"
	"testing"

	"filippo.io/edwards25519"
)

// FuzzVerify compares the table path with crypto/ed25519.Verify. mode
// picks what the fuzzer's bytes are: 0, a raw public key and signature;
// otherwise a key made from seed signs msg and the signature (mode 1),
// the key (mode 2) or R with a small-order point added (mode 3) is
// changed by flip, so valid and near-valid signatures are reached.
func FuzzVerify(f *testing.F) {
	for _, h := range smallOrder {
		f.Add(byte(0), mustHex(f, h), []byte("m"), append(mustHex(f, h), make([]byte, 32)...))
	}
	f.Add(byte(1), make([]byte, 32), []byte("message"), []byte{})
	f.Add(byte(1), make([]byte, 32), []byte("message"), []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xed})
	f.Add(byte(2), []byte("seed"), []byte{}, []byte{1})
	f.Add(byte(3), []byte("seed"), []byte("x"), []byte{5})
	f.Fuzz(func(t *testing.T, mode byte, key, msg, flip []byte) {
		var pub, sig []byte
		switch mode % 4 {
		case 0:
			if len(key) != 32 {
				return
			}
			pub, sig = key, flip
		default:
			seed := make([]byte, 32)
			copy(seed, key)
			priv := ed25519.NewKeyFromSeed(seed)
			pub = priv.Public().(ed25519.PublicKey)
			sig = ed25519.Sign(priv, msg)
			switch mode % 4 {
			case 1:
				for i := range min(len(flip), 64) {
					sig[i] ^= flip[i]
				}
			case 2:
				for i := range min(len(flip), 32) {
					pub[i] ^= flip[i]
				}
			case 3:
				if len(flip) == 0 {
					return
				}
				T, _ := new(edwards25519.Point).SetBytes(mustHex(t, smallOrder[int(flip[0])%8]))
				R, err := new(edwards25519.Point).SetBytes(sig[:32])
				if err != nil {
					t.Fatal(err)
				}
				copy(sig, R.Add(R, T).Bytes())
				if len(flip) > 1 {
					copy(pub, new(edwards25519.Point).Add(mustPoint(t, pub), T).Bytes())
				}
			}
		}
		want := ed25519.Verify(pub, msg, sig)
		k, ok := newKey(pub)
		if !ok {
			if want {
				t.Fatalf("pub %x does not decode but crypto/ed25519 accepts", pub)
			}
			return
		}
		if got := k.verify(msg, sig); got != want {
			t.Fatalf("table %v, crypto/ed25519 %v\npub %x\nmsg %x\nsig %x", got, want, pub, msg, sig)
		}
	})
}

func mustPoint(t testing.TB, b []byte) *edwards25519.Point {
	p, err := new(edwards25519.Point).SetBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
