package device

import "time"

// SenderFaults are mistakes and accidents on the caller's side and on the way,
// injected by scenarios. The zero value sends correctly.
type SenderFaults struct {
	WrongKey      bool          `toml:"wrong_key"`      // seal for a key the device no longer holds (stale key directory)
	MisrouteRcpt  bool          `toml:"misroute"`       // rcpt of another device's token (stale registration)
	Backdate      time.Duration `toml:"backdate"`       // ts this far in the past: late delivery or a slow clock
	TamperCT      bool          `toml:"tamper_ct"`      // flip one bit of the ciphertext on the way
	Replay        bool          `toml:"replay"`         // post the same envelope twice
	DuplicateUUID bool          `toml:"duplicate_uuid"` // two envelopes for one call UUID
	PadBytes      int           `toml:"pad_bytes"`      // grow the plaintext (caller name) by this many bytes
	// Hangup sends an encrypted call.hangup for the call: "before" the invite
	// (APNs reordered them) or "after" it (the caller cancelled).
	Hangup string `toml:"hangup"`
	// FollowUp sends an unrelated message to the same device right after the
	// request (another conversation), e.g. to replace a stored push.
	FollowUp bool `toml:"follow_up_message"`

	// Crypto faults of docs/receiver-checks.md, applied in crypto.go.
	TamperEnc    bool          `toml:"tamper_enc"`    // flip one bit of the encapsulated key on the way
	TamperHeader string        `toml:"tamper_header"` // change a header field after sealing: ts, ttl or nonce
	WrongInfo    bool          `toml:"wrong_info"`    // seal with an empty HPKE info label (another build's label)
	Postdate     time.Duration `toml:"postdate"`      // ts this far in the future: the sender's clock is ahead
	Unsigned     bool          `toml:"unsigned"`      // the caller does not sign (W_UNSIGNED)
	// ForeignSigner signs with a key the callee does not trust (E_SIG): a
	// caller it never verified, or a server forging a caller.
	ForeignSigner bool `toml:"foreign_signer"`
	// PoseAs signs, with the caller's own trusted key, a request whose
	// caller.handle is this other person's (E_SIG: the key is trusted only
	// for the caller's handle).
	PoseAs string `toml:"pose_as"`
}
