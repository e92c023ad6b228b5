// Package scheme holds the envelope's encryption schemes (docs/envelope.md): HPKE
// base mode with DHKEM(X25519)/HKDF-SHA256/ChaCha20Poly1305 (the default,
// CryptoKit's Curve25519_SHA256_ChachaPoly), HPKE with DHKEM(P-256)/
// HKDF-SHA256/AES-256-GCM (CryptoKit's P256_SHA256_AES_GCM_256), and the
// libsodium sealed box (crypto_box_seal). The P-256 scheme is crypto/hpke's
// and the sealed box golang.org/x/crypto/nacl/box's. The default scheme,
// on every call's path, composes RFC 9180's DHKEM and key schedule itself
// (hpkex25519.go) from crypto/ecdh, filippo.io/edwards25519, crypto/sha256
// and x/crypto's chacha20poly1305, to skip crypto/hpke's ephemeral-key
// ladder and key-schedule allocations, and, for a recipient sealed to
// again, the DH's ladder too (a precomputed table per recipient); tests
// hold it byte for byte to RFC 9180's vectors and to crypto/hpke.
package scheme
