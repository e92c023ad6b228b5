// Package scheme holds the envelope's encryption schemes (docs/envelope.md): HPKE
// base mode with DHKEM(X25519)/HKDF-SHA256/ChaCha20Poly1305 (the default,
// CryptoKit's Curve25519_SHA256_ChachaPoly), HPKE with DHKEM(P-256)/
// HKDF-SHA256/AES-256-GCM (CryptoKit's P256_SHA256_AES_GCM_256), and the
// libsodium sealed box (crypto_box_seal). Primitives come from crypto/hpke,
// crypto/ecdh and golang.org/x/crypto/nacl/box; nothing here is home-made.
package scheme
