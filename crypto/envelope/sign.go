package envelope

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"

	"github.com/callscope/callscope/crypto/edverify"
	"github.com/callscope/callscope/crypto/keyring"
)

// sigLabel starts the signed body, so a VPE1 signature is never valid for
// another protocol's message made with the same key.
const sigLabel = "VPE1 sig"

// SignedBytes is what a caller's Ed25519 signature covers:
//
//	SHA-256(aad) ‖ body
//	body = "VPE1 sig" ‖ str(type) ‖ str(call_uuid) ‖ str(caller.handle) ‖
//	       str(caller.handle_type) ‖ str(caller.name) ‖ u8(video) ‖ str(text) ‖ str(signer_kid)
//	str(s) = u32be(byte length of s) ‖ s as UTF-8
//
// A missing member is the empty string (video: 0). The header, and so
// ts, ttl, nonce, kid and rcpt, is covered through the 58-byte AAD; the
// plaintext's sent_ms, nonce and bind must equal it (E_BIND), and pad is
// not signed. No JSON is canonicalised: a receiver rebuilds these bytes
// from the members it decoded.
func SignedBytes(aad []byte, p Plaintext) []byte {
	sum := sha256.Sum256(aad)
	var c Caller
	if p.Caller != nil {
		c = *p.Caller
	}
	b := make([]byte, 0, 32+len(sigLabel)+256)
	b = append(b, sum[:]...)
	b = append(b, sigLabel...)
	str := func(s string) {
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	str(p.Type)
	str(p.CallUUID)
	str(c.Handle)
	str(c.HandleType)
	str(c.Name)
	if p.Video {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	str(p.Text)
	str(p.SignerKID)
	return b
}

// Sign sets signer_kid and sig (base64url) on p for the header whose AAD is aad.
func Sign(k *keyring.SigningKey, aad []byte, p *Plaintext) {
	p.SignerKID = base64.RawURLEncoding.EncodeToString(k.KID())
	p.Sig = base64.RawURLEncoding.EncodeToString(k.Sign(SignedBytes(aad, *p)))
}

// ErrBadSig is a signature that does not verify with the signer's key.
var ErrBadSig = errors.New("the signature does not verify")

// VerifySig checks p's sig with pub. Its answer is crypto/ed25519.Verify's;
// a key seen again (a trusted caller's) is checked with a precomputed
// table, about three times faster (crypto/edverify).
func VerifySig(pub ed25519.PublicKey, aad []byte, p Plaintext) error {
	sig, err := base64.RawURLEncoding.DecodeString(trimPad(p.Sig))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return errors.New("sig is not 64 bytes of base64url")
	}
	if len(pub) != ed25519.PublicKeySize || !edverify.Verify(pub, SignedBytes(aad, p), sig) {
		return ErrBadSig
	}
	return nil
}
