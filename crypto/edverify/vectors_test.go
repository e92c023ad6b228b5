package edverify

import (
	"bufio"
	"compress/gzip"
	"crypto/ed25519"
	"crypto/sha512"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestRFC8032 runs RFC 8032 section 7.1's TEST 1, 2, 3 and SHA(abc).
func TestRFC8032(t *testing.T) {
	abc := sha512.Sum512([]byte("abc"))
	for _, tc := range []struct{ name, pub, msg, sig string }{
		{"TEST 1", "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
			"e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
		{"TEST 2", "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
			"92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
		{"TEST 3", "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
			"6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
		{"TEST SHA(abc)", "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf", string(hexOf(abc[:])),
			"dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"},
	} {
		pub, msg, sig := mustHex(t, tc.pub), mustHex(t, tc.msg), mustHex(t, tc.sig)
		o := newOracle(t)
		if !o.check(tc.name, pub, msg, sig) {
			t.Errorf("%s: refused", tc.name)
		}
		o.checkCache(tc.name, pub, msg, sig)
	}
}

func hexOf(b []byte) []byte {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return out
}

// TestWycheproof runs every Ed25519 verification vector of Wycheproof.
func TestWycheproof(t *testing.T) {
	raw, err := os.ReadFile("testdata/ed25519_test.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		NumberOfTests int
		TestGroups    []struct {
			PublicKey struct{ PK string }
			Tests     []struct {
				TcID    int
				Comment string
				Msg     string
				Sig     string
				Result  string
			}
		}
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range f.TestGroups {
		pub := mustHex(t, g.PublicKey.PK)
		o := newOracle(t)
		for _, tc := range g.Tests {
			n++
			msg, sig := mustHex(t, tc.Msg), mustHex(t, tc.Sig)
			name := "wycheproof " + tc.Comment
			got := o.check(name, pub, msg, sig)
			if want := tc.Result == "valid"; got != want {
				t.Errorf("tcId %d (%s): crypto/ed25519 says %v, Wycheproof %s", tc.TcID, tc.Comment, got, tc.Result)
			}
			o.checkCache(name, pub, msg, sig)
		}
	}
	if n != f.NumberOfTests || n == 0 {
		t.Fatalf("ran %d of %d vectors", n, f.NumberOfTests)
	}
}

// TestSignInput runs the vectors of Go's crypto/ed25519 tests.
func TestSignInput(t *testing.T) {
	fz, err := os.Open("testdata/sign.input.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer fz.Close()
	zr, err := gzip.NewReader(fz)
	if err != nil {
		t.Fatal(err)
	}
	o := newOracle(t)
	s := bufio.NewScanner(zr)
	s.Buffer(nil, 1<<20)
	n := 0
	for s.Scan() {
		parts := strings.Split(s.Text(), ":")
		if len(parts) != 5 {
			t.Fatalf("line %d: %d parts", n+1, len(parts))
		}
		n++
		pub, msg, sig := mustHex(t, parts[1]), mustHex(t, parts[2]), mustHex(t, parts[3])[:ed25519.SignatureSize]
		if !o.check("sign.input", pub, msg, sig) {
			t.Errorf("line %d: refused", n)
		}
		o.checkCache("sign.input", pub, msg, sig)
		bad := append([]byte(nil), sig...)
		bad[n%64] ^= 0x10
		o.check("sign.input changed", pub, msg, bad)
	}
	if err := s.Err(); err != nil || n != 128 {
		t.Fatalf("read %d lines: %v", n, err)
	}
}
