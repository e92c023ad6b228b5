package receiver

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/crypto/keyring"
	"github.com/callscope/callscope/crypto/scheme"
)

func newSigner(t *testing.T) *keyring.SigningKey {
	t.Helper()
	k, err := keyring.GenerateSigning(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestSignatures is step 11: a signature from a trusted caller verifies,
// an unsigned request opens with the warning W_UNSIGNED, and a signature
// that does not verify, or from a key the device does not trust, is E_SIG.
func TestSignatures(t *testing.T) {
	alice, mallory := newSigner(t), newSigner(t)
	kidOf := func(k *keyring.SigningKey) string { return base64.RawURLEncoding.EncodeToString(k.KID()) }
	rows := []struct {
		name   string
		alg    string
		signer *keyring.SigningKey
		edit   func(*envelope.Plaintext) // set before sealing, unsigned
		code   string                    // "" opens
		detail string
	}{
		{"signed by a trusted caller", scheme.Default, alice, nil, "", "signature ok (signer kid " + kidOf(alice)},
		{"signed, p256", scheme.NameP256, alice, nil, "", "signature ok"},
		{"signed, sealed box", scheme.NameSealedBox, alice, nil, "", "signature ok"},
		{"unsigned", scheme.Default, nil, nil, CodeUnsigned, "caller unauthenticated"},
		{"signed by an unknown key", scheme.Default, mallory, nil, CodeSig, "a key this device does not trust"},
		{"signature that does not verify", scheme.Default, nil, func(p *envelope.Plaintext) {
			p.SignerKID, p.Sig = kidOf(alice), base64.RawURLEncoding.EncodeToString(make([]byte, 64))
		}, CodeSig, "does not verify"},
		{"sig without signer_kid", scheme.Default, nil, func(p *envelope.Plaintext) { p.Sig = "c2ln" }, CodeSig, "without signer_kid"},
		{"signer_kid without sig", scheme.Default, nil, func(p *envelope.Plaintext) { p.SignerKID = kidOf(alice) }, CodeSig, "without sig"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			d := newDevice(t, row.alg)
			pt := invite()
			if row.edit != nil {
				row.edit(&pt)
			}
			e, err := envelope.SealWith(rand.Reader, envelope.Recipient{Scheme: row.alg, PublicKey: d.key.Public(), DeviceToken: token}, pt,
				envelope.SealOptions{Now: now, Signer: row.signer})
			if err != nil {
				t.Fatal(err)
			}
			o, err := Open(marshal(t, e), Config{Ring: d.ring, DeviceToken: token, Now: func() time.Time { return now }, Signers: keyring.NewSigners("alice@example.org", alice)})
			switch row.code {
			case "":
				if err != nil || o.Warning != nil || o.Signer == nil {
					t.Fatalf("err %v, warning %v, signer %v", err, o.Warning, o.Signer)
				}
				if last := o.Checks[len(o.Checks)-1]; last.Code != CodeSig || !last.OK || !strings.Contains(last.Detail, row.detail) {
					t.Fatalf("signature check %+v, want %q", last, row.detail)
				}
			case CodeUnsigned: // a warning, not a failure
				if err != nil || o.Warning == nil || o.Warning.Code != CodeUnsigned || !strings.Contains(o.Warning.Detail, row.detail) {
					t.Fatalf("err %v, warning %v, want %s", err, o.Warning, CodeUnsigned)
				}
			default:
				var re *Error
				if !asError(err, &re) || re.Code != row.code || !strings.Contains(re.Detail, row.detail) {
					t.Fatalf("err %v, want %s containing %q", err, row.code, row.detail)
				}
			}
		})
	}
}

// TestSignerHandle: a signature verifies only for a caller.handle its key
// is trusted for. A trusted key signing a request in another person's name
// is E_SIG naming both the handle claimed and those the key is trusted
// for; an unknown key is E_SIG; an unsigned request is W_UNSIGNED.
func TestSignerHandle(t *testing.T) {
	alice, mallory := newSigner(t), newSigner(t)
	trusted := &keyring.Signers{}
	if err := trusted.Add("alice", alice.Public(), keyring.Trust{Handles: []string{"alice@example.org", "+15551234567"}}); err != nil {
		t.Fatal(err)
	}
	rows := []struct {
		name    string
		signer  *keyring.SigningKey
		handle  string
		code    string // "" opens, signature ok
		details []string
	}{
		{"signer trusted for the handle", alice, "alice@example.org", "", []string{"signature ok", "alice", "trusted for alice@example.org"}},
		{"signer trusted for its second handle", alice, "+15551234567", "", []string{"signature ok", "trusted for +15551234567"}},
		{"signer trusted for another handle", alice, "mallory@example.org", CodeSig, []string{"(alice)", "trusted for alice@example.org, +15551234567", "not for caller.handle mallory@example.org"}},
		{"handles compare byte for byte", alice, "Alice@example.org", CodeSig, []string{"not for caller.handle Alice@example.org"}},
		{"unknown signer", mallory, "mallory@example.org", CodeSig, []string{"a key this device does not trust"}},
		{"unsigned", nil, "mallory@example.org", CodeUnsigned, []string{"caller unauthenticated"}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			d := newDevice(t, scheme.Default)
			pt := invite()
			pt.Caller.Handle = row.handle
			e, err := envelope.SealWith(rand.Reader, envelope.Recipient{Scheme: scheme.Default, PublicKey: d.key.Public(), DeviceToken: token}, pt,
				envelope.SealOptions{Now: now, Signer: row.signer})
			if err != nil {
				t.Fatal(err)
			}
			o, err := Open(marshal(t, e), Config{Ring: d.ring, DeviceToken: token, Now: func() time.Time { return now }, Signers: trusted})
			var detail string
			switch row.code {
			case "":
				if err != nil || o.Warning != nil || o.Signer == nil || o.Signer.Name != "alice" {
					t.Fatalf("err %v, warning %v, signer %v", err, o.Warning, o.Signer)
				}
				detail = o.Checks[len(o.Checks)-1].Detail
			case CodeUnsigned:
				if err != nil || o.Warning == nil || o.Warning.Code != CodeUnsigned {
					t.Fatalf("err %v, warning %v, want %s", err, o.Warning, CodeUnsigned)
				}
				detail = o.Warning.Detail
			default:
				var re *Error
				if !asError(err, &re) || re.Code != row.code {
					t.Fatalf("err %v, want %s", err, row.code)
				}
				if last := re.Checks[len(re.Checks)-1]; last.Code != CodeSig || last.OK {
					t.Fatalf("last check %+v, want a failed %s", last, CodeSig)
				}
				detail = re.Detail + " | " + re.Explanation
			}
			for _, want := range row.details {
				if !strings.Contains(detail, want) {
					t.Errorf("%q does not say %q", detail, want)
				}
			}
		})
	}
}

// TestSignatureCoversHeader: a signed request moved under another header
// (here another device's, re-sealed by whoever holds its public key, as a
// provider server could) does not verify: the signature covers SHA-256(aad).
func TestSignatureCoversHeader(t *testing.T) {
	alice := newSigner(t)
	a, b := newDevice(t, scheme.Default), newDevice(t, scheme.Default)
	e := seal(t, a.key, envelope.SealOptions{Signer: alice})
	o, err := Open(marshal(t, e), Config{Ring: a.ring, DeviceToken: token, Now: func() time.Time { return now }, Signers: keyring.NewSigners("alice@example.org", alice)})
	if err != nil {
		t.Fatal(err)
	}
	// Re-seal the signed plaintext, unchanged, for device b: new header, same sig.
	moved, err := envelope.SealWith(rand.Reader, envelope.Recipient{Scheme: scheme.Default, PublicKey: b.key.Public(), DeviceToken: token},
		o.Plaintext, envelope.SealOptions{Now: now.Add(time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	var re *Error
	if _, err := Open(marshal(t, moved), Config{Ring: b.ring, DeviceToken: token, Now: func() time.Time { return now }, Signers: keyring.NewSigners("alice@example.org", alice)}); !asError(err, &re) || re.Code != CodeSig {
		t.Fatalf("err %v, want %s", err, CodeSig)
	}
}
