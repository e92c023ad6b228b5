// Package apns sets up the provider's APNs client: github.com/sideshow/apns2
// over HTTP/2 and TLS, with token (.p8, ES256 JWT) authentication, pointed at
// Apple's sandbox or production hosts or at callscope's mock.
//
// It follows Apple's "Establishing a token-based connection to APNs" and the
// notes on apns2 in docs/apns-rules.md#notes-on-apns2. It imports only flow-free
// code: the provider server decides what to push, this package how to reach
// APNs. The signing key never leaves it: no JWT or key material is logged.
package apns
