// Package interop holds the JavaScript interop tests of the VPE1 envelope:
// vpe1.cjs seals and opens envelopes with @hpke/core, @hpke/chacha20poly1305
// and libsodium-wrappers from npm, and interop_test.go checks both
// directions for every scheme. The package has no code of its own.
package interop
