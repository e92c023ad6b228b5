package scheme

import (
	"crypto/sha256"
	"encoding/binary"
)

// RFC 9180's DHKEM(X25519, HKDF-SHA256) ExtractAndExpand (§4.1) and base-mode
// key schedule (§5.1) for the default scheme, with HKDF-SHA256 written out
// over sha256.Sum256 so that one seal or open allocates nothing here:
// crypto/hpke builds a fresh hmac (and two sha256 states) for every labeled
// extract and expand, about a fifth of all the objects a whole call
// allocates. Every input is at most a few hundred bytes, so each HMAC input
// is assembled in a stack buffer and hashed in one call; an info longer than
// that buffer spills to the heap through append and is hashed the same way.
// Outputs are pinned to RFC 9180's vectors and to crypto/hpke by the tests.

const (
	// kemSuite is suite_id for the KEM: "KEM" ‖ I2OSP(0x0020, 2).
	kemSuite = "KEM\x00\x20"
	// hpkeSuite is suite_id for the key schedule: "HPKE" ‖ KEM 0x0020 ‖
	// KDF 0x0001 ‖ AEAD 0x0003.
	hpkeSuite = "HPKE\x00\x20\x00\x01\x00\x03"
	hpkeV1    = "HPKE-v1"
)

// hpkeKeys is what the key schedule yields for a single-message base-mode
// context: the ChaCha20-Poly1305 key and the nonce for sequence number 0,
// which is base_nonce itself (base_nonce XOR 0). The exporter secret is not
// derived: no scheme exports.
type hpkeKeys struct {
	key   [32]byte
	nonce [12]byte
}

// pskIDHash is LabeledExtract("", "psk_id_hash", "") for the suite: base mode
// has an empty psk_id, so it is a constant.
var pskIDHash = func() (h [32]byte) {
	hkdfLabeledExtract(&h, hpkeSuite, nil, "psk_id_hash", nil)
	return h
}()

// keySchedule derives k from the X25519 output dh, the encapsulated key enc,
// the recipient's public key pkR and info: ExtractAndExpand(dh, enc ‖ pkR)
// gives shared_secret, then KeyScheduleS/R in mode_base with an empty psk.
func keySchedule(k *hpkeKeys, dh *[32]byte, enc, pkR, info []byte) {
	var prk, shared, secret [32]byte
	hkdfLabeledExtract(&prk, kemSuite, nil, "eae_prk", dh[:])
	var kemContext [64]byte
	copy(kemContext[:32], enc)
	copy(kemContext[32:], pkR)
	hkdfLabeledExpand(shared[:], kemSuite, &prk, "shared_secret", kemContext[:])

	var ctx [1 + 32 + 32]byte // mode_base (0) ‖ psk_id_hash ‖ info_hash
	copy(ctx[1:33], pskIDHash[:])
	hkdfLabeledExtract((*[32]byte)(ctx[33:]), hpkeSuite, nil, "info_hash", info)
	hkdfLabeledExtract(&secret, hpkeSuite, shared[:], "secret", nil)
	hkdfLabeledExpand(k.key[:], hpkeSuite, &secret, "key", ctx[:])
	hkdfLabeledExpand(k.nonce[:], hpkeSuite, &secret, "base_nonce", ctx[:])
}

// hkdfLabeledExtract sets out to LabeledExtract(salt, label, ikm) =
// HKDF-Extract(salt, "HPKE-v1" ‖ suite ‖ label ‖ ikm), where HKDF-Extract is
// HMAC-SHA256 keyed with the salt (an empty salt and RFC 5869's 32 zero
// bytes pad to the same HMAC key block).
func hkdfLabeledExtract(out *[32]byte, suite string, salt []byte, label string, ikm []byte) {
	var buf [sha256.BlockSize + 128]byte
	b := hmacKeyBlock(buf[:0], salt, 0x36)
	b = append(b, hpkeV1...)
	b = append(b, suite...)
	b = append(b, label...)
	b = append(b, ikm...)
	hmacFinish(out, salt, b)
}

// hkdfLabeledExpand fills out (at most 32 bytes) with LabeledExpand(prk, label,
// info, len(out)): HKDF-Expand's first block, T(1) = HMAC(prk,
// I2OSP(L, 2) ‖ "HPKE-v1" ‖ suite ‖ label ‖ info ‖ 0x01), truncated to L.
func hkdfLabeledExpand(out []byte, suite string, prk *[32]byte, label string, info []byte) {
	if len(out) > sha256.Size {
		panic("scheme: hkdfLabeledExpand past one HKDF block")
	}
	var buf [sha256.BlockSize + 128]byte
	b := hmacKeyBlock(buf[:0], prk[:], 0x36)
	b = binary.BigEndian.AppendUint16(b, uint16(len(out)))
	b = append(b, hpkeV1...)
	b = append(b, suite...)
	b = append(b, label...)
	b = append(b, info...)
	b = append(b, 1)
	var t [32]byte
	hmacFinish(&t, prk[:], b)
	copy(out, t[:])
}

// hmacKeyBlock appends HMAC's key block, the key (at most one block, as
// every key here is) zero-padded to 64 bytes and XORed with pad (RFC 2104's
// ipad 0x36 or opad 0x5c).
func hmacKeyBlock(b, key []byte, pad byte) []byte {
	if len(key) > sha256.BlockSize {
		panic("scheme: HMAC key longer than a block")
	}
	n := len(b)
	for range sha256.BlockSize {
		b = append(b, pad)
	}
	for i, k := range key {
		b[n+i] ^= k
	}
	return b
}

// hmacFinish sets out to HMAC-SHA256(key, m) given inner = (key ⊕ ipad) ‖ m:
// SHA-256((key ⊕ opad) ‖ SHA-256(inner)).
func hmacFinish(out *[32]byte, key, inner []byte) {
	sum := sha256.Sum256(inner)
	var buf [sha256.BlockSize + sha256.Size]byte
	b := hmacKeyBlock(buf[:0], key, 0x5c)
	*out = sha256.Sum256(append(b, sum[:]...))
}
