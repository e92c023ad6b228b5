// Package provider is the provider server of the call path and the caller
// app's client for it.
//
// The server is a real net/http server with a small JSON API: devices
// register (token, topic, environment, public key), callers look up a user's
// devices, and callers hand over opaque envelopes for a device. It never sees
// plaintext: a call and a message look alike to it. For each envelope it
// builds the push Apple's "Sending End-to-End Encrypted VoIP Calls" asks for
// (apns-push-type alert, priority 10, aps.mutable-content 1, a generic alert,
// the envelope under one custom key, apns-expiration from the envelope's
// cleartext ts and ttl) and sends it with sideshow/apns2.
//
// It imports flow (events) and nothing of crypto: the envelope is opaque here
// apart from the cleartext ts and ttl.
package provider
