// Package device simulates the two iPhones of a call by iOS rules: the
// caller's app (the outgoing flow O0–O5 of docs/device-rules.md) and
// the callee's Notification Service Extension, app, PushKit and CallKit (the
// receiving flow S0–S10).
//
// Only Apple's side is simulated. The crypto is real (crypto/envelope,
// crypto/receiver), the caller talks HTTP to the real provider server, and
// the callee receives pushes from APNs over a device link. Time that passes
// on a phone (app launch, the callee reaching for it, ringing) runs on a
// flow.Clock and is always labelled simulated.
//
// It may import flow, crypto and transport packages; never ui.
package device
