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
	"strconv"
	"strings"
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
	// Signers are the caller signing keys this device trusts (step 11):
	// a signed request verifies against one of them or fails E_SIG.
	Signers *keyring.Signers
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
	// Warning is the first diagnosis that did not stop the request
	// (W_ROTATED_KEY, W_UNSIGNED); Warnings has them all, in check order.
	Warning  *Error
	Warnings []*Error
	// Signer is the caller key whose signature verified; nil when unsigned.
	Signer *keyring.Signer
}

// Error is a failed check.
type Error struct {
	Code        string
	Detail      string
	Explanation string
	// Differential is what an E_AUTH diagnosis tried with what this device
	// holds (other keys, info labels, header values): evidence a real
	// extension has too.
	Differential []Check
	// SenderCopy is what comparing with the envelope as the sender sealed
	// it showed (Config.Sent): evidence only the debugger has.
	SenderCopy string
	Checks     []Check
	Envelope   *envelope.Envelope // nil before parsing succeeded
	AAD        []byte
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

// DefaultSkew is the clock skew the receiver allows when Config.Skew is 0.
const DefaultSkew = 30 * time.Second

// EffectiveSkew is the skew Open applies: Skew, or DefaultSkew when it is 0
// and ExactSkew is not set.
func (cfg Config) EffectiveSkew() time.Duration {
	if cfg.Skew == 0 && !cfg.ExactSkew {
		return DefaultSkew
	}
	return cfg.Skew
}

// Open checks and decrypts an APNs payload or a bare envelope.
func Open(data []byte, cfg Config) (*Opened, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Skew = cfg.EffectiveSkew()
	if cfg.Info == nil {
		cfg.Info = envelope.Info
	}
	if cfg.OtherInfo == nil {
		cfg.OtherInfo = envelope.KnownInfo
	}
	if cfg.Ring == nil {
		cfg.Ring = keyring.NewRing()
	}
	r := &run{cfg: cfg, checks: make([]Check, 0, 12)} // every check of a pass, one allocation
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
	r.pass("parse", CodeParse, strconv.Itoa(len(env.CT))+"-byte ct")
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
		err := r.fail("aead", CodeAuth, "authentication failed (tampered ciphertext or wrong key)", "")
		r.explainAuth(key, err.(*Error))
		return nil, err
	}
	if s.HasAAD() {
		r.pass("enc", CodeEnc, "")
	}
	r.pass("aead", CodeAuth, "opened")

	// 7. binding.
	p, err := envelope.DecodePlaintext(pt)
	if err != nil {
		return nil, r.fail("payload", CodePayload, "plaintext is not JSON: "+err.Error(), "")
	}
	if !s.HasAAD() && p.Bind != envelope.Bind(r.aad) {
		return nil, r.fail("bind", CodeBind, "bind does not match the header", r.explainBind(p))
	}
	var nonce [32]byte // base64url of a 16-byte nonce, on the stack
	if p.Nonce != string(base64.RawURLEncoding.AppendEncode(nonce[:0], env.Nonce)) || p.SentMS != env.TS {
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
	r.pass("fresh", CodeExpired, "age "+now.Sub(ts).Round(time.Millisecond).String()+" of "+strconv.FormatUint(uint64(env.TTL), 10)+"s")

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
	if err := envelope.CheckPlaintext(p); err != nil {
		return nil, r.fail("payload", CodePayload, err.Error(), "")
	}
	r.pass("payload", CodePayload, p.Type)
	o := &Opened{Envelope: env, Plaintext: p, Raw: raw, AAD: r.aad, Key: key}
	if key != nil && key.Rotated {
		o.Warnings = append(o.Warnings, &Error{Code: CodeRotated, Detail: "opened with rotated key kid " + b64(env.KID),
			Explanation: "the sender still seals for this device's previous key: its key directory (the server's registration) is stale"})
	}
	if r.aad == nil {
		// A team's decryptor: a VPE1 signature covers the VPE1 header,
		// which a foreign format does not have.
		r.checks = append(r.checks, Check{Name: "signature", Code: CodeUnsigned, OK: true, Detail: "not checked: the decrypt command's format has no VPE1 header to sign"})
	} else if w, err := r.signature(p, o); err != nil {
		return nil, err
	} else if w != nil {
		o.Warnings = append(o.Warnings, w)
	}
	o.Checks = r.checks
	for _, w := range o.Warnings {
		w.Checks = r.checks
	}
	if len(o.Warnings) > 0 {
		o.Warning = o.Warnings[0]
	}
	return o, nil
}

// signature is step 11: a signed request must verify against a trusted
// caller key (E_SIG); an unsigned one passes with W_UNSIGNED, since base
// mode HPKE and sealed boxes do not say who sealed.
func (r *run) signature(p envelope.Plaintext, o *Opened) (*Error, error) {
	const name = "signature"
	switch {
	case p.Sig == "" && p.SignerKID == "":
		detail := "caller unauthenticated: no signature"
		r.checks = append(r.checks, Check{Name: name, Code: CodeUnsigned, OK: true, Detail: detail})
		return &Error{Code: CodeUnsigned, Detail: detail,
			Explanation: "anyone holding this device's public key, the provider server included, could have sent it with any caller handle: sign requests with the caller's Ed25519 key (docs/receiver-checks.md)"}, nil
	case p.SignerKID == "":
		return nil, r.fail(name, CodeSig, "sig without signer_kid", "the sender must say which key signed (signer_kid)")
	case p.Sig == "":
		return nil, r.fail(name, CodeSig, "signer_kid "+p.SignerKID+" without sig", "the sender named a signing key but did not sign")
	}
	kid, err := decodeB64(p.SignerKID)
	if err != nil {
		return nil, r.fail(name, CodeSig, "signer_kid is not base64url", "")
	}
	signer, ok := r.cfg.Signers.Lookup(kid)
	if !ok {
		return nil, r.fail(name, CodeSig, "signed by signer_kid "+p.SignerKID+", a key this device does not trust",
			"trusted signers: "+signerList(r.cfg.Signers)+"; a caller this device has not verified, or a forged request: import the caller's key for its handle with callscope keys import --signer --handle "+p.Caller.Handle+" (docs/receiver-checks.md#caller-signature)")
	}
	if err := envelope.VerifySig(signer.Public, r.aad, p); err != nil {
		return nil, r.fail(name, CodeSig, "signer_kid "+p.SignerKID+" ("+signer.Name+"): "+err.Error(),
			"the request or its header was changed after signing, or signed over other bytes (docs/receiver-checks.md)")
	}
	// The signature proves who holds the key; the key's trust says whom
	// the user verified it belongs to. Without this a trusted contact
	// could sign a request in anyone's name.
	if !signer.For(p.Caller.Handle) {
		return nil, r.fail(name, CodeSig, "signer_kid "+p.SignerKID+" ("+signer.Name+") is trusted for "+signer.Trust.String()+", not for caller.handle "+p.Caller.Handle,
			"a trusted caller signed a request in someone else's name: "+signer.Name+" is trusted only for "+signer.Trust.String()+
				"; if "+p.Caller.Handle+" is the same person, trust the key for that handle too (callscope keys import --signer --handle "+p.Caller.Handle+" with its keys export; docs/receiver-checks.md#caller-signature)")
	}
	o.Signer = &signer
	r.pass(name, CodeSig, "signature ok (signer kid "+p.SignerKID+", "+signer.Name+", trusted for "+p.Caller.Handle+")")
	return nil, nil
}

func signerList(s *keyring.Signers) string {
	var names []string
	for _, k := range s.List() {
		names = append(names, b64(k.KID)+" ("+k.Name+", for "+k.Trust.String()+")")
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
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
