package scenario

import (
	"time"

	"github.com/callscope/callscope/crypto/scheme"
	"github.com/callscope/callscope/flow"
)

// cryptoScenarios are the envelope faults of docs/receiver-checks.md beyond the first
// five in builtins.go, and the other two schemes' happy paths. Each is
// diagnosed at the extension, where the NSE opens the envelope.
func cryptoScenarios() []Scenario {
	ext := flow.StageExtension
	src := "docs/receiver-checks.md"
	var out []Scenario
	add := func(s Scenario, mod func(*Scenario)) {
		mod(&s)
		out = append(out, s)
	}
	add(call("p256-call", "docs/envelope.md", "none", "a call sealed with HPKE P-256/AES-256-GCM rings and is answered",
		Expect{Outcome: flow.OutcomeConnected}), func(s *Scenario) { s.Scheme = scheme.NameP256 })
	add(call("sealed-box-call", "docs/envelope.md", "none", "a call sealed in a libsodium sealed box rings and is answered",
		Expect{Outcome: flow.OutcomeConnected}), func(s *Scenario) { s.Scheme = scheme.NameSealedBox })
	add(call("rotated-key", src, "crypto", "the device rotated its key and the server still seals for the old one: it opens with the rotated key, with a warning",
		Expect{Outcome: flow.OutcomeConnected, Stage: ext, Code: "W_ROTATED_KEY"}), func(s *Scenario) { s.Profile.RotatedKey = true })
	add(call("wrong-info", src, "crypto", "the sender's build uses another HPKE info label: AEAD fails, the other label opens it",
		fails(ext, "E_AUTH", "")), func(s *Scenario) { s.Sender.WrongInfo = true })
	add(call("tampered-header", src, "crypto", "the header's ts is changed after sealing: AEAD fails, the sealed header opens it",
		fails(ext, "E_AUTH", "")), func(s *Scenario) { s.Sender.TamperHeader = "ts" })
	add(call("tampered-enc", src, "crypto", "one bit of the X25519 encapsulated key changes on the way: a valid key, so AEAD fails",
		fails(ext, "E_AUTH", "")), func(s *Scenario) { s.Sender.TamperEnc = true })
	add(call("tampered-enc-p256", src, "crypto", "one bit of the P-256 encapsulated key changes: the point is off the curve and the KEM rejects it",
		fails(ext, "E_ENC", "")), func(s *Scenario) { s.Sender.TamperEnc, s.Scheme = true, scheme.NameP256 })
	add(call("future-envelope", src, "crypto", "the sender's clock is 5 min ahead: ts is in the future",
		fails(ext, "E_FUTURE", "")), func(s *Scenario) { s.Sender.Postdate = 5 * time.Minute })
	add(call("unsigned-caller", src, "crypto", "the caller's app does not sign: the call rings, with the warning that anyone holding the device's public key could have sent it",
		Expect{Outcome: flow.OutcomeConnected, Stage: ext, Code: "W_UNSIGNED"}), func(s *Scenario) { s.Sender.Unsigned = true })
	add(call("untrusted-signer", src, "crypto", "the request is signed by a key the callee does not trust (a forged caller, or one never verified): refused",
		fails(ext, "E_SIG", "")), func(s *Scenario) { s.Sender.ForeignSigner = true })
	add(call("signer-handle-mismatch", src+"#caller-signature", "crypto", "a key the callee trusts for the caller's handle signs a request in another person's name (caller.handle mallory@example.org): refused",
		fails(ext, "E_SIG", "")), func(s *Scenario) { s.Sender.PoseAs = "mallory@example.org" })
	add(call("sealed-box-binding", "docs/receiver-checks.md", "crypto", "a sealed box's header ts is changed: the box opens but bind no longer matches the header",
		fails(ext, "E_BIND", "")), func(s *Scenario) { s.Sender.TamperHeader, s.Scheme = "ts", scheme.NameSealedBox })
	return out
}
