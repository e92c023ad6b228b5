// Package receiver opens envelopes as the callee's Notification Service
// Extension must: the checks of docs/receiver-checks.md, in that order, each with a
// stable code (E_PARSE … E_SIG). For an authentication failure, which looks
// the same whatever its cause, it runs the differential checks docs/receiver-checks.md describes
// for (explain.go) and says which explanation fits.
package receiver

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/crypto/keyring"
	"github.com/callscope/callscope/crypto/replay"
	"github.com/callscope/callscope/crypto/scheme"
)

// The stable diagnosis codes, in check order (docs/receiver-checks.md).
const (
	CodeParse      = "E_PARSE"
	CodeVersion    = "E_VERSION"
	CodeAlg        = "E_ALG"
	CodeKIDUnknown = "E_KID_UNKNOWN"
	CodeRcpt       = "E_RCPT"
	CodeEnc        = "E_ENC"
	CodeAuth       = "E_AUTH"
	CodeBind       = "E_BIND"
	CodeExpired    = "E_EXPIRED"
	CodeFuture     = "E_FUTURE"
	CodeReplay     = "E_REPLAY"
	CodePayload    = "E_PAYLOAD"
	CodeUnsigned   = "W_UNSIGNED"
	CodeSig        = "E_SIG"
	// CodeRotated is a warning: the envelope opened with a rotated key, so
	// the sender's key directory is stale.
	CodeRotated = "W_ROTATED_KEY"
)

// Codes lists every failure code Open can return, in check order.
var Codes = []string{CodeParse, CodeVersion, CodeAlg, CodeKIDUnknown, CodeRcpt, CodeEnc, CodeAuth, CodeBind,
	CodeExpired, CodeFuture, CodeReplay, CodePayload, CodeSig}

// Config is what the receiving device holds.
type Config struct {
	Ring        *keyring.Ring
	DeviceToken []byte // raw APNs token bytes, as the app saved it
	Now         func() time.Time
	Skew        time.Duration // default 30 s; see ExactSkew
	// ExactSkew makes a zero Skew mean no skew at all instead of the default.
	ExactSkew bool
	Replay    *replay.Cache // nil: no replay check
	Info      []byte        // nil: envelope.Info
	// OtherInfo are the labels the E_AUTH diagnosis tries besides Info
	// (nil: envelope.KnownInfo), e.g. the label of the app's previous release.
	OtherInfo [][]byte
	// Sent is the envelope as the sender sealed it, when the debugger saw
	// that side (the sender stage, or `envelope open --sent`): the E_AUTH
	// and E_BIND diagnoses then name the field changed on the way.
	Sent []*envelope.Envelope
	// Decrypt replaces the VPE1 checks 2–7 with a team's own decryptor
	// (see Command), for apps whose pushes use another format.
	Decrypt Decryptor
	// Context bounds Decrypt; nil: context.Background().
	Context context.Context
}

// Check is one receiver check and how it went.
type Check struct {
	Name   string `json:"name"`
	Code   string `json:"code"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

// Opened is an envelope that passed every check.
type Opened struct {
	Envelope  *envelope.Envelope // nil when a Decryptor opened a foreign format
	Plaintext envelope.Plaintext
	Raw       []byte // the plaintext bytes
	AAD       []byte
	Key       *keyring.Key // the key that opened it
	Checks    []Check
	// Warning is a diagnosis that did not stop the request (W_ROTATED_KEY).
	Warning *Error
}

// Error is a failed check.
type Error struct {
	Code        string
	Detail      string
	Explanation string
	Checks      []Check
	Envelope    *envelope.Envelope // nil before parsing succeeded
	AAD         []byte
}

func (e *Error) Error() string { return e.Code + ": " + e.Detail }

type run struct {
	cfg    Config
	checks []Check
	env    *envelope.Envelope
	aad    []byte
}

func (r *run) pass(name, code, detail string) {
	r.checks = append(r.checks, Check{Name: name, Code: code, OK: true, Detail: detail})
}

func (r *run) fail(name, code, detail, why string) error {
	r.checks = append(r.checks, Check{Name: name, Code: code, OK: false, Detail: detail})
	return &Error{Code: code, Detail: detail, Explanation: why, Checks: r.checks, Envelope: r.env, AAD: r.aad}
}

// EnvelopeBytes returns the envelope of an APNs payload ({"aps":…,"vpe":{…}})
// or data itself when it is not such a payload.
func EnvelopeBytes(data []byte) []byte {
	var wrapped struct {
		VPE json.RawMessage `json:"vpe"`
	}
	if json.Unmarshal(data, &wrapped) == nil && len(wrapped.VPE) > 0 && wrapped.VPE[0] == '{' {
		return wrapped.VPE
	}
	return data
}

// Open checks and decrypts an APNs payload or a bare envelope.
func Open(data []byte, cfg Config) (*Opened, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Skew == 0 && !cfg.ExactSkew {
		cfg.Skew = 30 * time.Second
	}
	if cfg.Info == nil {
		cfg.Info = envelope.Info
	}
	if cfg.OtherInfo == nil {
		cfg.OtherInfo = envelope.KnownInfo
	}
	if cfg.Ring == nil {
		cfg.Ring = keyring.NewRing()
	}
	r := &run{cfg: cfg}
	if cfg.Decrypt != nil {
		return r.openWith(EnvelopeBytes(data))
	}

	// 1–2. parse, version, alg.
	env, err := envelope.ParsePayload(data)
	if err != nil {
		var pe *envelope.ParseError
		if errors.As(err, &pe) {
			if pe.Code != CodeParse {
				r.pass("parse", CodeParse, "")
			}
			if pe.Code == CodeAlg {
				r.pass("version", CodeVersion, "v1")
			}
			return nil, r.fail(checkName(pe.Code), pe.Code, pe.Detail, "")
		}
		return nil, r.fail("parse", CodeParse, err.Error(), "")
	}
	r.env = env
	r.pass("parse", CodeParse, fmt.Sprintf("%d-byte ct", len(env.CT)))
	r.pass("version", CodeVersion, "v1")
	s, _ := scheme.ByName(env.Alg)
	r.aad, _ = env.AAD()

	// 3. key, and the per-key allowlist of step 2.
	key := cfg.Ring.Lookup(env.KID)
	if key == nil {
		return nil, r.fail("key", CodeKIDUnknown, "no key with kid "+b64(env.KID)+" on this device",
			"sealed for key kid "+b64(env.KID)+", device holds "+heldKeys(cfg.Ring)+": the sender used a stale or wrong public key")
	}
	if key.Scheme().ID() != s.ID() {
		return nil, r.fail("alg", CodeAlg, fmt.Sprintf("key %s is for %s, header says %s", b64(env.KID), key.Scheme().Name(), env.Alg),
			"a key is bound to one scheme: the header's alg was changed (a downgrade attempt or a sender bug)")
	}
	r.pass("alg", CodeAlg, env.Alg+" allowed for this key")
	detail := "kid " + b64(env.KID)
	if key.Rotated {
		detail += " (rotated key)"
	}
	r.pass("key", CodeKIDUnknown, detail)

	// 4. rcpt.
	if !bytes.Equal(env.Rcpt, envelope.Rcpt(cfg.DeviceToken)) {
		return nil, r.fail("rcpt", CodeRcpt, "rcpt "+b64(env.Rcpt)+" is not this device's token",
			"misrouted: sealed for another device token (reinstalled app or a stale token on the server)")
	}
	r.pass("rcpt", CodeRcpt, "matches this device's token")

	// 5–6. KEM and AEAD.
	pt, err := key.Open(env.Enc, cfg.Info, r.aad, env.CT)
	switch {
	case errors.Is(err, scheme.ErrEnc):
		return nil, r.fail("enc", CodeEnc, "the KEM rejected enc", "enc is not a valid public key for "+env.Alg+" (altered on the way, or a low-order point)")
	case err != nil:
		if s.HasAAD() {
			r.pass("enc", CodeEnc, "")
		}
		return nil, r.fail("aead", CodeAuth, "authentication failed (tampered ciphertext or wrong key)", r.explainAuth(key))
	}
	if s.HasAAD() {
		r.pass("enc", CodeEnc, "")
	}
	r.pass("aead", CodeAuth, "opened")

	// 7. binding.
	var p envelope.Plaintext
	if err := json.Unmarshal(pt, &p); err != nil {
		return nil, r.fail("payload", CodePayload, "plaintext is not JSON: "+err.Error(), "")
	}
	if !s.HasAAD() && p.Bind != envelope.Bind(r.aad) {
		return nil, r.fail("bind", CodeBind, "bind does not match the header", r.explainBind(p))
	}
	if p.Nonce != base64.RawURLEncoding.EncodeToString(env.Nonce) || p.SentMS != env.TS {
		return nil, r.fail("bind", CodeBind, "inner nonce or sent_ms differs from the header",
			fmt.Sprintf("the sender wrote nonce %q, sent_ms %d inside but nonce %q, ts %d in the header", p.Nonce, p.SentMS, b64(env.Nonce), env.TS))
	}
	r.pass("bind", CodeBind, "inner nonce and sent_ms match")
	return r.finish(env, key, pt, p)
}

// finish runs steps 8–11, which need an authenticated header.
func (r *run) finish(env *envelope.Envelope, key *keyring.Key, raw []byte, p envelope.Plaintext) (*Opened, error) {
	cfg := r.cfg
	// 8. freshness.
	now := cfg.Now()
	ts := time.UnixMilli(env.TS)
	expires := ts.Add(time.Duration(env.TTL) * time.Second)
	switch {
	case now.After(expires.Add(cfg.Skew)):
		return nil, r.fail("fresh", CodeExpired, fmt.Sprintf("expired %s ago (ts + ttl %ds + skew %s)", now.Sub(expires).Round(time.Millisecond), env.TTL, cfg.Skew),
			"delivered late or the sender's clock is behind: a stale call must not ring")
	case ts.After(now.Add(cfg.Skew)):
		return nil, r.fail("fresh", CodeFuture, fmt.Sprintf("ts is %s in the future (skew %s)", ts.Sub(now).Round(time.Millisecond), cfg.Skew),
			"the sender's clock is ahead of this device's")
	}
	r.pass("fresh", CodeExpired, fmt.Sprintf("age %s of %ds", now.Sub(ts).Round(time.Millisecond), env.TTL))

	// 9. replay: only now, so forged pushes cannot fill the cache.
	if cfg.Replay != nil {
		seen, err := cfg.Replay.CheckAndInsert(env.KID, env.Nonce, expires.Add(cfg.Skew), now)
		switch {
		case err != nil:
			return nil, r.fail("replay", CodeReplay, "replay cache unusable: "+err.Error(), "without the cache a replay cannot be told apart: refuse")
		case seen:
			return nil, r.fail("replay", CodeReplay, "nonce "+b64(env.Nonce)+" was already seen",
				"the same envelope arrived twice: a replay, or a retry that re-sent it")
		}
		r.pass("replay", CodeReplay, "first time seen")
	}
	return r.schema(env, key, raw, p)
}

// schema runs steps 10–11.
func (r *run) schema(env *envelope.Envelope, key *keyring.Key, raw []byte, p envelope.Plaintext) (*Opened, error) {
	if err := checkPayload(p); err != nil {
		return nil, r.fail("payload", CodePayload, err.Error(), "")
	}
	r.pass("payload", CodePayload, p.Type)
	if p.Sig == "" {
		r.checks = append(r.checks, Check{Name: "signature", Code: CodeUnsigned, OK: true, Detail: "caller unauthenticated: no signature"})
	} else {
		// No caller key directory exists yet, so a signature cannot be
		// verified: say so rather than pretend it passed.
		return nil, r.fail("signature", CodeSig, "signed by "+p.SignerKID+" but no caller signing key is known to verify it",
			"callscope has no caller key directory yet: send unsigned requests or add the signer's key")
	}
	o := &Opened{Envelope: env, Plaintext: p, Raw: raw, AAD: r.aad, Key: key, Checks: r.checks}
	if key != nil && key.Rotated {
		o.Warning = &Error{Code: CodeRotated, Detail: "opened with rotated key kid " + b64(env.KID),
			Explanation: "the sender still seals for this device's previous key: its key directory (the server's registration) is stale", Checks: r.checks}
	}
	return o, nil
}

func checkName(code string) string {
	switch code {
	case CodeVersion:
		return "version"
	case CodeAlg:
		return "alg"
	}
	return "parse"
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
