package scheme

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/chacha20poly1305"
)

type wycheAEAD struct {
	TestGroups []struct {
		IVSize  int `json:"ivSize"`
		KeySize int `json:"keySize"`
		TagSize int `json:"tagSize"`
		Tests   []struct {
			TcID   int      `json:"tcId"`
			Key    hexBytes `json:"key"`
			IV     hexBytes `json:"iv"`
			AAD    hexBytes `json:"aad"`
			Msg    hexBytes `json:"msg"`
			CT     hexBytes `json:"ct"`
			Tag    hexBytes `json:"tag"`
			Result string   `json:"result"`
		} `json:"tests"`
	} `json:"testGroups"`
}

func readJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("vectors: %v (testdata/README.md says where they come from)", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// TestWycheproofAEAD runs the ChaCha20-Poly1305 and AES-GCM vectors through
// the AEAD constructions HPKE schemes 1 and 2 use. A construction that
// refuses the parameters (a nonce size it does not take) counts as a
// rejection, which only an "invalid" case may get.
func TestWycheproofAEAD(t *testing.T) {
	cases := []struct {
		file string
		make func(key, iv []byte) (cipher.AEAD, error)
	}{
		{"wycheproof_chacha20_poly1305_test.json", func(key, iv []byte) (cipher.AEAD, error) {
			if len(iv) != chacha20poly1305.NonceSize {
				return nil, errNonce // x/crypto panics on other sizes: reject first
			}
			return chacha20poly1305.New(key)
		}},
		{"wycheproof_aes_gcm_test.json", func(key, iv []byte) (cipher.AEAD, error) {
			b, err := aes.NewCipher(key)
			if err != nil {
				return nil, err
			}
			if len(iv) == 12 {
				return cipher.NewGCM(b)
			}
			return cipher.NewGCMWithNonceSize(b, len(iv))
		}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			var f wycheAEAD
			readJSON(t, c.file, &f)
			n := 0
			for _, g := range f.TestGroups {
				for _, tc := range g.Tests {
					n++
					a, err := c.make(tc.Key, tc.IV)
					if err != nil {
						if tc.Result == "valid" {
							t.Errorf("tc %d: valid case refused: %v", tc.TcID, err)
						}
						continue
					}
					sealed := append(bytes.Clone(tc.CT), tc.Tag...)
					pt, err := a.Open(nil, tc.IV, sealed, tc.AAD)
					switch tc.Result {
					case "valid":
						if err != nil || !bytes.Equal(pt, tc.Msg) {
							t.Errorf("tc %d: open: %v", tc.TcID, err)
						}
						if got := a.Seal(nil, tc.IV, tc.Msg, tc.AAD); !bytes.Equal(got, sealed) {
							t.Errorf("tc %d: seal differs", tc.TcID)
						}
					case "invalid":
						if err == nil {
							t.Errorf("tc %d: invalid case opened", tc.TcID)
						}
					}
				}
			}
			if n < 100 {
				t.Fatalf("only %d cases read", n)
			}
		})
	}
}

var errNonce = os.ErrInvalid

// TestWycheproofX25519 runs the X25519 vectors through crypto/ecdh, the DH of
// schemes 1 and 3. Low-order points give an all-zero secret, which ecdh
// refuses: those cases must fail (§3.5 E_ENC), every other must match.
func TestWycheproofX25519(t *testing.T) {
	f := wycheproofX25519(t)
	zero := make([]byte, 32)
	n := 0
	for _, g := range f.TestGroups {
		for _, tc := range g.Tests {
			n++
			priv, err := ecdh.X25519().NewPrivateKey(tc.Private)
			if err != nil {
				t.Fatalf("tc %d: private: %v", tc.TcID, err)
			}
			pub, err := ecdh.X25519().NewPublicKey(tc.Public)
			if err != nil {
				if tc.Result == "valid" {
					t.Errorf("tc %d: public refused: %v", tc.TcID, err)
				}
				continue
			}
			shared, err := priv.ECDH(pub)
			switch {
			case bytes.Equal(tc.Shared, zero):
				if err == nil {
					t.Errorf("tc %d: all-zero secret accepted", tc.TcID)
				}
			case tc.Result == "invalid":
				if err == nil && bytes.Equal(shared, tc.Shared) {
					t.Errorf("tc %d: invalid case agreed", tc.TcID)
				}
			default: // valid and acceptable (non-canonical encodings RFC 7748 accepts)
				if err != nil || !bytes.Equal(shared, tc.Shared) {
					t.Errorf("tc %d (%s): %x, %v", tc.TcID, tc.Result, shared, err)
				}
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d cases read", n)
	}
}

// TestWycheproofHKDF runs HKDF-SHA256 (the KDF of both HPKE suites).
func TestWycheproofHKDF(t *testing.T) {
	f := wycheproofHKDF(t)
	for _, g := range f.TestGroups {
		for _, tc := range g.Tests {
			okm, err := hkdf.Key(sha256.New, tc.IKM, tc.Salt, string(tc.Info), tc.Size)
			if tc.Result == "invalid" {
				if err == nil {
					t.Errorf("tc %d: invalid size %d accepted", tc.TcID, tc.Size)
				}
				continue
			}
			if err != nil || !bytes.Equal(okm, tc.OKM) {
				t.Errorf("tc %d: %v", tc.TcID, err)
			}
		}
	}
}

// TestLibsodiumSealedBox opens PyNaCl's libsodium-made crypto_box_seal boxes
// with the sealed-box scheme, and checks the scheme's boxes open with the
// same keys (the libsodium side of that direction is the JS interop test).
func TestLibsodiumSealedBox(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "pynacl_sealed_box_ref.txt"))
	if err != nil {
		t.Fatalf("vectors: %v", err)
	}
	defer f.Close()
	s, _ := ByName(NameSealedBox)
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) < 4 {
			t.Fatalf("line %q: want 4 fields", line)
		}
		sk, pk := mustHex(t, fields[0]), mustHex(t, fields[1])
		pt, box := lenHex(t, fields[2]), lenHex(t, fields[3])
		if pub, err := s.PublicKey(sk); err != nil || !bytes.Equal(pub, pk) {
			t.Fatalf("public key of sk: %x, %v", pub, err)
		}
		got, err := s.Open(sk, nil, nil, nil, box)
		if err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("box %d: %v", n, err)
		}
		box[len(box)-1] ^= 1
		if _, err := s.Open(sk, nil, nil, nil, box); err != ErrOpen {
			t.Fatalf("box %d with a flipped bit: %v, want ErrOpen", n, err)
		}
		_, ct, err := s.Seal(rand.Reader, pk, nil, nil, pt)
		if err != nil || len(ct) != len(pt)+48 {
			t.Fatalf("seal: %d bytes, %v", len(ct), err)
		}
		if got, err := s.Open(sk, nil, nil, nil, ct); err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("own box: %v", err)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no sealed boxes read")
	}
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// lenHex reads "len:hex".
func lenHex(t *testing.T, s string) []byte {
	t.Helper()
	_, h, ok := strings.Cut(s, ":")
	if !ok {
		t.Fatalf("field %q: want len:hex", s)
	}
	return mustHex(t, h)
}

// wycheproofHKDF reads the Wycheproof HKDF-SHA256 vectors.
func wycheproofHKDF(t *testing.T) (f struct {
	TestGroups []struct {
		Tests []struct {
			TcID   int      `json:"tcId"`
			IKM    hexBytes `json:"ikm"`
			Salt   hexBytes `json:"salt"`
			Info   hexBytes `json:"info"`
			Size   int      `json:"size"`
			OKM    hexBytes `json:"okm"`
			Result string   `json:"result"`
		} `json:"tests"`
	} `json:"testGroups"`
}) {
	readJSON(t, "wycheproof_hkdf_sha256_test.json", &f)
	return f
}

// wycheproofX25519 reads the Wycheproof X25519 vectors.
func wycheproofX25519(t *testing.T) (f struct {
	TestGroups []struct {
		Tests []struct {
			TcID    int      `json:"tcId"`
			Public  hexBytes `json:"public"`
			Private hexBytes `json:"private"`
			Shared  hexBytes `json:"shared"`
			Result  string   `json:"result"`
			Flags   []string `json:"flags"`
		} `json:"tests"`
	} `json:"testGroups"`
}) {
	readJSON(t, "wycheproof_x25519_test.json", &f)
	return f
}
