// Package envelope is the VPE1 envelope of docs/envelope.md: a versioned JSON
// object under the "vpe" key of an APNs payload, with a cleartext header (v,
// alg, kid, rcpt, ts, ttl, nonce), the HPKE encapsulated key and the
// ciphertext. The header is bound as AAD (HPKE) or inside the plaintext
// (sealed boxes). docs/envelope.md describes it for iOS engineers.
package envelope

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/callscope/callscope/crypto/keyring"
	"github.com/callscope/callscope/crypto/scheme"
)

// Version is the envelope version this package writes and reads.
const Version = 1

// Sizes of header fields.
const (
	RcptSize  = 16
	NonceSize = 16
	AADSize   = 58
	MaxTTL    = 120 // seconds
)

// Info is the HPKE info label.
var Info = []byte("VPE1 call-request")

// KnownInfo are labels a receiver tries when authentication fails, to tell
// a label mismatch from tampering: this one, the bare prefix, and the empty
// label (CryptoKit's and Go's callers often pass no info at all).
var KnownInfo = [][]byte{[]byte("VPE1 call-request"), []byte("VPE1"), {}}

// B64 is bytes written as unpadded base64url.
type B64 []byte

// MarshalJSON writes base64url without padding.
func (b B64) MarshalJSON() ([]byte, error) {
	// base64url needs no JSON escaping: quote it directly.
	out := make([]byte, 0, base64.RawURLEncoding.EncodedLen(len(b))+2)
	out = append(out, '"')
	out = base64.RawURLEncoding.AppendEncode(out, b)
	return append(out, '"'), nil
}

// UnmarshalJSON reads base64url with or without padding.
func (b *B64) UnmarshalJSON(data []byte) error {
	var s string
	if n := len(data); n >= 2 && data[0] == '"' && data[n-1] == '"' && bytes.IndexByte(data, '\\') < 0 {
		// Every push is read through here: base64url has no characters
		// JSON escapes, so skip a second decoder pass.
		s = string(data[1 : n-1])
	} else if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	d, err := base64.RawURLEncoding.DecodeString(trimPad(s))
	if err != nil {
		return fmt.Errorf("not base64url: %v", err)
	}
	*b = d
	return nil
}

func trimPad(s string) string {
	for len(s) > 0 && s[len(s)-1] == '=' {
		s = s[:len(s)-1]
	}
	return s
}

// Envelope is the "vpe" object.
type Envelope struct {
	V     int    `json:"v"`
	Alg   string `json:"alg"`
	KID   B64    `json:"kid"`
	Rcpt  B64    `json:"rcpt"`
	TS    int64  `json:"ts"`
	TTL   uint32 `json:"ttl"`
	Nonce B64    `json:"nonce"`
	Enc   B64    `json:"enc,omitempty"`
	CT    B64    `json:"ct"`
}

// AAD is the 58-byte header serialisation (docs/envelope.md):
// "VPE1" ‖ u8 v ‖ u8 scheme id ‖ kid(8) ‖ rcpt(16) ‖ u64be ts ‖ u32be ttl ‖ nonce(16).
func (e *Envelope) AAD() ([]byte, error) {
	s, err := scheme.ByName(e.Alg)
	if err != nil {
		return nil, err
	}
	if len(e.KID) != keyring.KIDSize || len(e.Rcpt) != RcptSize || len(e.Nonce) != NonceSize || e.V < 0 || e.V > 255 {
		return nil, fmt.Errorf("header field sizes: kid %d, rcpt %d, nonce %d (want 8, 16, 16)", len(e.KID), len(e.Rcpt), len(e.Nonce))
	}
	b := make([]byte, 0, AADSize)
	b = append(b, "VPE1"...)
	b = append(b, byte(e.V), s.ID())
	b = append(b, e.KID...)
	b = append(b, e.Rcpt...)
	b = binary.BigEndian.AppendUint64(b, uint64(e.TS))
	b = binary.BigEndian.AppendUint32(b, e.TTL)
	b = append(b, e.Nonce...)
	return b, nil
}

// Rcpt is the first 16 bytes of SHA-256("VPE1 rcpt" ‖ raw APNs device token).
func Rcpt(deviceToken []byte) []byte {
	var buf [64]byte // a token is 32 bytes: the input stays on the stack
	sum := sha256.Sum256(append(append(buf[:0], "VPE1 rcpt"...), deviceToken...))
	return append([]byte(nil), sum[:RcptSize]...)
}

// Bind is the sealed-box binding: b64url(SHA-256(aad)).
func Bind(aad []byte) string {
	sum := sha256.Sum256(aad)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Caller is who is calling, as CallKit shows it.
type Caller struct {
	Handle     string `json:"handle"`
	HandleType string `json:"handle_type"` // generic, phone or email
	Name       string `json:"name,omitempty"`
}

// Plaintext is the sealed request (docs/envelope.md).
type Plaintext struct {
	Type      string  `json:"type"` // call.invite, call.hangup or message
	CallUUID  string  `json:"call_uuid,omitempty"`
	Caller    *Caller `json:"caller,omitempty"`
	Video     bool    `json:"video,omitempty"`
	Text      string  `json:"text,omitempty"`
	SentMS    int64   `json:"sent_ms"`
	Nonce     string  `json:"nonce"`
	Bind      string  `json:"bind,omitempty"`
	Sig       string  `json:"sig,omitempty"`
	SignerKID string  `json:"signer_kid,omitempty"`
	// TraceID is the request's trace id when it is not call_uuid's: see
	// TraceIDOf. Optional, not signed and not checked (a diagnostic tag);
	// receivers that do not know it ignore it like any unknown member.
	TraceID string `json:"trace_id,omitempty"`
	// Pad is ASCII spaces that round the JSON up to a PadBlock bucket;
	// receivers ignore it (pad.go).
	Pad string `json:"pad,omitempty"`
}

// Recipient is whom a request is sealed for.
type Recipient struct {
	Scheme      string
	PublicKey   []byte
	DeviceToken []byte // raw token bytes
}

// Seal builds the header and seals pt for to. ttl is capped at MaxTTL.
func Seal(rand io.Reader, to Recipient, pt Plaintext, ttl time.Duration, now time.Time) (*Envelope, error) {
	return SealWith(rand, to, pt, SealOptions{TTL: ttl, Now: now})
}

// SealOptions are the sender's choices for one envelope.
type SealOptions struct {
	TTL time.Duration // 0: DefaultTTL; at most MaxTTL
	// Now is the header's ts; zero: time.Now(). A plaintext sent_ms wins.
	Now time.Time
	// Info overrides the HPKE info label (nil: Info): apps with another
	// label, and the wrong-info scenario.
	Info []byte
	// Pad is the bucket the plaintext is padded to: 0 is PadBlock, a
	// negative value turns padding off.
	Pad int
	// Signer, when set, signs the request as the caller (sig, signer_kid).
	Signer *keyring.SigningKey
}

// DefaultTTL is how long a call request rings for when the sender does not say.
const DefaultTTL = 45 * time.Second

// SealWith builds the header and seals pt for to. The plaintext's nonce and
// sent_ms are used when set (the header must repeat them) and filled in
// when absent; bind is always recomputed for sealed boxes.
func SealWith(rand io.Reader, to Recipient, pt Plaintext, o SealOptions) (*Envelope, error) {
	s, err := scheme.ByName(to.Scheme)
	if err != nil {
		return nil, err
	}
	if o.TTL == 0 {
		o.TTL = DefaultTTL
	}
	secs := uint32(o.TTL / time.Second)
	if o.TTL%time.Second != 0 || secs == 0 || secs > MaxTTL {
		return nil, fmt.Errorf("ttl %s: want whole seconds from 1 s to %d s", o.TTL, MaxTTL)
	}
	nonce := make([]byte, NonceSize)
	if pt.Nonce != "" {
		if nonce, err = base64.RawURLEncoding.DecodeString(trimPad(pt.Nonce)); err != nil || len(nonce) != NonceSize {
			return nil, fmt.Errorf("plaintext nonce %q: want %d bytes of base64url", pt.Nonce, NonceSize)
		}
	} else if _, err := io.ReadFull(rand, nonce); err != nil {
		return nil, err
	}
	ts := pt.SentMS
	if ts == 0 {
		if o.Now.IsZero() {
			o.Now = time.Now()
		}
		ts = o.Now.UnixMilli()
	}
	if ts <= 0 {
		return nil, fmt.Errorf("sent_ms %d: want a positive Unix time in ms", ts)
	}
	e := &Envelope{V: Version, Alg: s.Name(), KID: keyring.KID(s, to.PublicKey), Rcpt: Rcpt(to.DeviceToken),
		TS: ts, TTL: secs, Nonce: nonce}
	aad, err := e.AAD()
	if err != nil {
		return nil, err
	}
	pt.SentMS = e.TS
	pt.Nonce = base64.RawURLEncoding.EncodeToString(nonce)
	pt.Bind = ""
	if !s.HasAAD() {
		pt.Bind = Bind(aad)
	}
	if o.Signer != nil {
		Sign(o.Signer, aad, &pt)
	}
	block := o.Pad
	if block == 0 {
		block = PadBlock
	}
	body, err := marshalPadded(pt, block)
	if err != nil {
		return nil, err
	}
	info := o.Info
	if info == nil {
		info = Info
	}
	enc, ct, err := s.Seal(rand, to.PublicKey, info, aad, body)
	if err != nil {
		return nil, err
	}
	e.Enc, e.CT = enc, ct
	return e, nil
}

// Payload is an APNs payload carrying an envelope.
type Payload struct {
	Envelope *Envelope `json:"vpe"`
}

// Parse reads a bare envelope. Field errors are *ParseError with a code.
func Parse(b []byte) (*Envelope, error) {
	var e Envelope
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&e); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field == "" {
			return nil, &ParseError{Code: "E_PARSE", Detail: NotEnvelope + ": the JSON is " + article(te.Value) + ", not an object"}
		}
		return nil, &ParseError{Code: "E_PARSE", Detail: "envelope is not valid JSON: " + badField(b, err).Error()}
	}
	return &e, e.check()
}

// NotEnvelope starts the E_PARSE detail of JSON that is not an envelope.
const NotEnvelope = "not a VPE1 envelope"

func article(what string) string {
	if what == "" {
		return "not an object"
	}
	if strings.ContainsRune("aeiou", rune(what[0])) {
		return "an " + what
	}
	return "a " + what
}

// ParsePayload reads the envelope of an APNs payload ({"aps":…,"vpe":{…}})
// in one pass, or a bare envelope when the data has no "vpe" object. The NSE
// reads every push this way, so the payload is not scanned twice.
func ParsePayload(b []byte) (*Envelope, error) {
	if e, ok := parsePayloadFast(b); ok {
		return e, e.check()
	}
	var p struct {
		VPE *Envelope `json:"vpe"`
	}
	if err := json.Unmarshal(b, &p); err == nil && p.VPE != nil {
		return p.VPE, p.VPE.check()
	}
	// A broken envelope inside a payload, or a bare one: parse the envelope
	// on its own so that the error names its field.
	var w struct {
		VPE json.RawMessage `json:"vpe"`
	}
	if json.Unmarshal(b, &w) == nil && len(w.VPE) > 0 && w.VPE[0] == '{' {
		return Parse(w.VPE)
	}
	var aps struct {
		APS json.RawMessage `json:"aps"`
	}
	if json.Unmarshal(b, &aps) == nil && len(aps.APS) > 0 {
		return nil, &ParseError{Code: "E_PARSE", Detail: NotEnvelope + `: an APNs payload without a "vpe" object`}
	}
	return Parse(b)
}

// badField names the field whose value broke decoding: encoding/json does
// not say which field an UnmarshalJSON error came from.
func badField(b []byte, err error) error {
	var fields map[string]json.RawMessage
	if json.Unmarshal(b, &fields) != nil {
		return err
	}
	for _, name := range []string{"kid", "rcpt", "nonce", "enc", "ct"} {
		if raw, ok := fields[name]; ok {
			var v B64
			if ferr := v.UnmarshalJSON(raw); ferr != nil {
				return fmt.Errorf("field %s: %w", name, ferr)
			}
		}
	}
	return err
}

// ParseError is a malformed or unsupported envelope.
type ParseError struct {
	Code   string // E_PARSE, E_VERSION or E_ALG
	Detail string
}

func (e *ParseError) Error() string { return e.Code + ": " + e.Detail }

func (e *Envelope) check() error {
	if e.V == 0 && e.Alg == "" && len(e.CT) == 0 {
		// No member of an envelope at all: another JSON document, not an
		// envelope of version 0.
		return &ParseError{Code: "E_PARSE", Detail: NotEnvelope + ": no v, alg or ct member"}
	}
	if e.V != Version {
		return &ParseError{Code: "E_VERSION", Detail: fmt.Sprintf("envelope version %d (this receiver reads %d)", e.V, Version)}
	}
	s, err := scheme.ByName(e.Alg)
	if err != nil {
		return &ParseError{Code: "E_ALG", Detail: err.Error()}
	}
	switch {
	case len(e.KID) != keyring.KIDSize:
		return &ParseError{Code: "E_PARSE", Detail: fmt.Sprintf("kid is %d bytes, want %d", len(e.KID), keyring.KIDSize)}
	case len(e.Rcpt) != RcptSize:
		return &ParseError{Code: "E_PARSE", Detail: fmt.Sprintf("rcpt is %d bytes, want %d", len(e.Rcpt), RcptSize)}
	case len(e.Nonce) != NonceSize:
		return &ParseError{Code: "E_PARSE", Detail: fmt.Sprintf("nonce is %d bytes, want %d", len(e.Nonce), NonceSize)}
	case len(e.Enc) != s.EncSize():
		return &ParseError{Code: "E_PARSE", Detail: fmt.Sprintf("enc is %d bytes, want %d for %s", len(e.Enc), s.EncSize(), s.Name())}
	case len(e.CT) < 16:
		return &ParseError{Code: "E_PARSE", Detail: fmt.Sprintf("ct is %d bytes, shorter than a tag", len(e.CT))}
	case e.TS <= 0:
		return &ParseError{Code: "E_PARSE", Detail: "ts is not a positive Unix time in ms"}
	case e.TTL > MaxTTL:
		// A request valid for longer would ring long after the caller gave
		// up, and would hold its replay-cache entry as long.
		return &ParseError{Code: "E_PARSE", Detail: fmt.Sprintf("ttl %d s is above the %d s a receiver accepts", e.TTL, MaxTTL)}
	}
	return nil
}

// MaxAlertPayload is APNs' limit for an alert push (docs/apns-rules.md).
const MaxAlertPayload = 4096

// APNsPayload is the whole push of docs/envelope.md: a generic alert, shown
// when the extension fails or times out, mutable-content so the extension
// runs at all, and the envelope under "vpe".
type APNsPayload struct {
	APS struct {
		Alert struct {
			Title string `json:"title"`
			Body  string `json:"body"`
		} `json:"alert"`
		MutableContent int    `json:"mutable-content"`
		Sound          string `json:"sound,omitempty"`
	} `json:"aps"`
	Envelope *Envelope `json:"vpe"`
}

// NewPayload wraps an envelope in the push a provider sends. The alert is
// the same for calls and messages ("New message", as callscope's provider
// server sends it): alert text is visible to the server and to Apple, so
// saying "Incoming call" there would tell them what E2EE hides. It is what
// the callee sees when the extension fails.
func NewPayload(e *Envelope) APNsPayload {
	var p APNsPayload
	p.APS.Alert.Title, p.APS.Alert.Body = "New message", "Open to read"
	p.APS.MutableContent, p.APS.Sound, p.Envelope = 1, "default", e
	return p
}
