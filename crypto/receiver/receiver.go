// Package receiver opens envelopes as the callee's Notification Service
// Extension must: the checks of crypto.md §3.5, in that order, each with a
// stable code (E_PARSE … E_SIG). For an authentication failure, which looks
// the same whatever its cause, it tries the differential checks §3.5 asks
// for and says which explanation fits.
package receiver

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/crypto/keyring"
	"github.com/callscope/callscope/crypto/replay"
	"github.com/callscope/callscope/crypto/scheme"
)

// Config is what the receiving device holds.
type Config struct {
	Ring        *keyring.Ring
	DeviceToken []byte // raw APNs token bytes, as the app saved it
	Now         func() time.Time
	Skew        time.Duration // default 30 s
	Replay      *replay.Cache // nil: no replay check
	Info        []byte        // nil: envelope.Info
}

// Check is one step of §3.5 and how it went.
type Check struct {
	Name   string `json:"name"`
	Code   string `json:"code"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

// Opened is an envelope that passed every check.
type Opened struct {
	Envelope  *envelope.Envelope
	Plaintext envelope.Plaintext
	AAD       []byte
	Checks    []Check
}

// Error is a failed check.
type Error struct {
	Code        string
	Detail      string
	Explanation string
	Checks      []Check
}

func (e *Error) Error() string { return e.Code + ": " + e.Detail }

type run struct {
	cfg    Config
	checks []Check
}

func (r *run) pass(name, code, detail string) {
	r.checks = append(r.checks, Check{Name: name, Code: code, OK: true, Detail: detail})
}

func (r *run) fail(name, code, detail, why string) error {
	r.checks = append(r.checks, Check{Name: name, Code: code, OK: false, Detail: detail})
	return &Error{Code: code, Detail: detail, Explanation: why, Checks: r.checks}
}

// Open checks and decrypts an APNs payload ({"aps":…,"vpe":{…}}) or a bare envelope.
func Open(data []byte, cfg Config) (*Opened, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Skew == 0 {
		cfg.Skew = 30 * time.Second
	}
	if cfg.Info == nil {
		cfg.Info = envelope.Info
	}
	r := &run{cfg: cfg}

	// 1–2. parse, version, alg.
	raw := data
	var wrapped struct {
		VPE json.RawMessage `json:"vpe"`
	}
	if json.Unmarshal(data, &wrapped) == nil && len(wrapped.VPE) > 0 {
		raw = wrapped.VPE
	}
	env, err := envelope.Parse(raw)
	if err != nil {
		var pe *envelope.ParseError
		if errors.As(err, &pe) {
			return nil, r.fail(checkName(pe.Code), pe.Code, pe.Detail, "")
		}
		return nil, r.fail("parse", "E_PARSE", err.Error(), "")
	}
	r.pass("parse", "E_PARSE", fmt.Sprintf("%d-byte ct", len(env.CT)))
	r.pass("version", "E_VERSION", "v1")
	s, _ := scheme.ByName(env.Alg)

	// 3. key.
	key := cfg.Ring.Lookup(env.KID)
	if key == nil {
		return nil, r.fail("key", "E_KID_UNKNOWN", "no key with kid "+hexs(env.KID)+" on this device",
			"sealed for a key this device does not hold: "+heldKeys(cfg.Ring)+"; the sender used a stale or wrong public key")
	}
	if key.Scheme().ID() != s.ID() {
		return nil, r.fail("alg", "E_ALG", fmt.Sprintf("key %s is for %s, header says %s", hexs(env.KID), key.Scheme().Name(), env.Alg),
			"a key is bound to one scheme: the header was changed")
	}
	r.pass("alg", "E_ALG", env.Alg+" allowed for this key")
	detail := "kid " + hexs(env.KID)
	if key.Rotated {
		detail += " (rotated key)"
	}
	r.pass("key", "E_KID_UNKNOWN", detail)

	// 4. rcpt.
	if !bytes.Equal(env.Rcpt, envelope.Rcpt(cfg.DeviceToken)) {
		return nil, r.fail("rcpt", "E_RCPT", "rcpt "+hexs(env.Rcpt)+" is not this device's token",
			"misrouted: sealed for another device token (reinstalled app or a stale token on the server)")
	}
	r.pass("rcpt", "E_RCPT", "matches this device's token")

	// 5–6. KEM and AEAD.
	aad, _ := env.AAD()
	pt, err := key.Open(env.Enc, cfg.Info, aad, env.CT)
	switch {
	case errors.Is(err, scheme.ErrEnc):
		return nil, r.fail("enc", "E_ENC", "the KEM rejected enc", "enc is not a valid public key for "+env.Alg+" (tampered or low-order)")
	case err != nil:
		r.pass("enc", "E_ENC", "")
		return nil, r.fail("aead", "E_AUTH", "authentication failed (tampered ciphertext or wrong key)", r.explainAuth(env, key, aad))
	}
	r.pass("enc", "E_ENC", "")
	r.pass("aead", "E_AUTH", "opened")

	// 7. binding.
	var p envelope.Plaintext
	if err := json.Unmarshal(pt, &p); err != nil {
		return nil, r.fail("payload", "E_PAYLOAD", "plaintext is not JSON: "+err.Error(), "")
	}
	if !s.HasAAD() && p.Bind != envelope.Bind(aad) {
		return nil, r.fail("bind", "E_BIND", "bind does not match the header", "a header field was changed after sealing (sealed boxes bind the header inside)")
	}
	if p.Nonce != base64.RawURLEncoding.EncodeToString(env.Nonce) || p.SentMS != env.TS {
		return nil, r.fail("bind", "E_BIND", "inner nonce or sent_ms differs from the header", "the header was changed after sealing")
	}
	r.pass("bind", "E_BIND", "inner nonce and sent_ms match")

	// 8. freshness.
	now := cfg.Now()
	ts := time.UnixMilli(env.TS)
	expires := ts.Add(time.Duration(env.TTL) * time.Second)
	switch {
	case now.After(expires.Add(cfg.Skew)):
		return nil, r.fail("fresh", "E_EXPIRED", fmt.Sprintf("expired %s ago (ts + ttl %ds)", now.Sub(expires).Round(time.Millisecond), env.TTL),
			"delivered late or the sender's clock is behind: a stale call must not ring")
	case ts.After(now.Add(cfg.Skew)):
		return nil, r.fail("fresh", "E_FUTURE", fmt.Sprintf("ts is %s in the future", ts.Sub(now).Round(time.Millisecond)),
			"the sender's clock is ahead of this device's")
	}
	r.pass("fresh", "E_EXPIRED", fmt.Sprintf("age %s of %ds", now.Sub(ts).Round(time.Millisecond), env.TTL))

	// 9. replay.
	if cfg.Replay != nil {
		if cfg.Replay.CheckAndInsert(env.KID, env.Nonce, expires.Add(cfg.Skew), now) {
			return nil, r.fail("replay", "E_REPLAY", "nonce "+hexs(env.Nonce)+" was already seen",
				"the same envelope arrived twice: a replay, or a retry that re-sent it")
		}
		r.pass("replay", "E_REPLAY", "first time seen")
	}

	// 10. schema.
	if err := checkPayload(p); err != nil {
		return nil, r.fail("payload", "E_PAYLOAD", err.Error(), "")
	}
	r.pass("payload", "E_PAYLOAD", p.Type)

	// 11. signature.
	if p.Sig == "" {
		r.checks = append(r.checks, Check{Name: "signature", Code: "W_UNSIGNED", OK: true, Detail: "caller unauthenticated: no signature"})
	}
	return &Opened{Envelope: env, Plaintext: p, AAD: aad, Checks: r.checks}, nil
}

func checkName(code string) string {
	switch code {
	case "E_VERSION":
		return "version"
	case "E_ALG":
		return "alg"
	}
	return "parse"
}

var uuidRE = regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$`)

func checkPayload(p envelope.Plaintext) error {
	switch p.Type {
	case "call.invite", "call.hangup":
		if !uuidRE.MatchString(p.CallUUID) {
			return fmt.Errorf("call_uuid %q is not a UUID", p.CallUUID)
		}
		if p.Caller == nil || p.Caller.Handle == "" {
			return errors.New("caller.handle is missing")
		}
	case "message":
	default:
		return fmt.Errorf("unknown type %q", p.Type)
	}
	if p.Caller != nil {
		switch p.Caller.HandleType {
		case "generic", "phone", "email":
		default:
			return fmt.Errorf("caller.handle_type %q: want generic, phone or email", p.Caller.HandleType)
		}
	}
	return nil
}

// explainAuth runs the differential checks for an AEAD failure.
func (r *run) explainAuth(env *envelope.Envelope, tried *keyring.Key, aad []byte) string {
	for _, k := range r.cfg.Ring.Keys() {
		if k == tried || k.Scheme().ID() != tried.Scheme().ID() {
			continue
		}
		if _, err := k.Open(env.Enc, r.cfg.Info, aad, env.CT); err == nil {
			return "sealed for key kid " + hexs(k.KID()) + ", but the header names kid " + hexs(env.KID) + ": the kid was changed"
		}
	}
	for _, label := range [][]byte{[]byte("VPE1 call-request"), []byte("VPE1"), nil} {
		if bytes.Equal(label, r.cfg.Info) {
			continue
		}
		if _, err := tried.Open(env.Enc, label, aad, env.CT); err == nil {
			return fmt.Sprintf("info label differs: sealed with %q, this receiver uses %q", label, r.cfg.Info)
		}
	}
	if !tried.Scheme().HasAAD() {
		return "ciphertext altered, or sealed for another key with this kid"
	}
	return "ciphertext or enc altered, or a header field (ts, ttl, nonce, rcpt) was changed after sealing: the AEAD binds all of them"
}

func hexs(b []byte) string { return fmt.Sprintf("%x", b) }

func heldKeys(r *keyring.Ring) string {
	var ids []string
	for _, k := range r.Keys() {
		s := hexs(k.KID())
		if k.Rotated {
			s += " (rotated)"
		}
		ids = append(ids, s)
	}
	if len(ids) == 0 {
		return "it holds no keys"
	}
	return "it holds " + strings.Join(ids, ", ")
}
