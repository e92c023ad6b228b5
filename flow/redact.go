package flow

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"maps"
	"regexp"
	"strings"
	"sync/atomic"
)

// Secrets never reach events. Components leave them out; Redact is the net
// under them, applied to every event before it leaves the process.

var (
	// A JWT's first part is base64url of a JSON object: "eyJ" for {"alg"…,
	// but Apple's own openssl recipe writes { "alg"… with a space ("eyA…")
	// and other encoders start with a newline ("ew…"). So: every JWT-shaped
	// token whose header decodes to an object naming an algorithm.
	jwtPattern = regexp.MustCompile(`e[wy][A-Za-z0-9_-]{6,}={0,2}\.[A-Za-z0-9_-]{6,}={0,2}\.[A-Za-z0-9_-]{16,}={0,2}`)
	pemPattern = regexp.MustCompile(`(?s)-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(-----END [A-Z ]*PRIVATE KEY-----|$)`)
)

// secretKeys are attribute names whose values are never shown (secretKey
// spells them out too).
var secretKeys = map[string]bool{
	"authorization": true,
	"private_key":   true,
	"p8":            true,
	"jwt":           true,
}

// secretKey is secretKeys[strings.ToLower(k)] without lowering or hashing
// an ASCII name: every attribute of every event is asked.
func secretKey(k string) bool {
	for i := 0; i < len(k); i++ {
		if k[i] >= 0x80 {
			return secretKeys[strings.ToLower(k)] // Unicode lowering: as it was
		}
	}
	switch len(k) {
	case len("authorization"), len("private_key"), len("p8"), len("jwt"):
		for _, name := range [...]string{"authorization", "private_key", "p8", "jwt"} {
			if strings.EqualFold(k, name) {
				return true
			}
		}
	}
	return false
}

// Redacted replaces secrets in a value.
const Redacted = "[redacted]"

// RedactValue removes signed JWTs and PEM private keys from s.
func RedactValue(s string) string {
	if len(s) < len("PRIVATE KEY") {
		return s // most attributes: too short for either (a JWT match is 32 or more)
	}
	if jwtShaped(s) {
		s = jwtPattern.ReplaceAllStringFunc(s, redactJWT)
	}
	if strings.Contains(s, "PRIVATE KEY") {
		s = pemPattern.ReplaceAllString(s, "[redacted private key]")
	}
	return s
}

// Redact returns e with secret attributes and secret-looking values removed.
// It copies the attributes only when something changes.
func Redact(e Event) Event {
	changed := false
	for k, v := range e.Attrs {
		if secretKey(k) || RedactValue(v) != v {
			changed = true
			break
		}
	}
	if changed {
		a := make(map[string]string, len(e.Attrs))
		for k, v := range e.Attrs {
			if secretKey(k) {
				v = Redacted
			} else {
				v = RedactValue(v)
			}
			a[k] = v
		}
		e.Attrs = a
	}
	if e.Push != nil {
		e.Push = redactPush(e.Push)
	}
	if len(e.Plaintext) > 0 {
		e.Plaintext = redactJSON(e.Plaintext, "[redacted: the plaintext held a secret]")
	}
	if e.Diagnosis != nil {
		d, h := RedactValue(e.Diagnosis.Detail), RedactValue(e.Diagnosis.Hint)
		if d != e.Diagnosis.Detail || h != e.Diagnosis.Hint {
			c := *e.Diagnosis
			c.Detail, c.Hint = d, h
			e.Diagnosis = &c
		}
	}
	return e
}

// jwtShaped reports whether s may hold a match of jwtPattern: three
// dot-separated runs of base64url characters, the first ending in at
// least 8 (e[wy] and 6 more), the second at least 6 long, the third
// starting with at least 16. It never misses a match (each part of one is
// made of those characters and '='), and it rules out almost every value
// and payload without a regexp: every event passes here.
func jwtShaped[T ~string | ~[]byte](s T) bool {
	// Only around dots: most values have none, and the search for one is
	// the runtime's vectorised byte search.
	i := indexDot(s, 0)
	for i >= 0 {
		j := indexDot(s, i+1)
		if j < 0 {
			return false
		}
		if j-i-1 >= 6 && b64Run(s, i+1, j) == j && b64Back(s, i) >= 8 && b64Run(s, j+1, min(len(s), j+17))-j-1 >= 16 {
			return true
		}
		i = j
	}
	return false
}

func indexDot[T ~string | ~[]byte](s T, from int) int {
	var k int
	switch v := any(s[from:]).(type) {
	case string:
		k = strings.IndexByte(v, '.')
	case []byte:
		k = bytes.IndexByte(v, '.')
	case json.RawMessage:
		k = bytes.IndexByte(v, '.')
	default:
		k = strings.IndexByte(string(s[from:]), '.')
	}
	if k < 0 {
		return -1
	}
	return from + k
}

func b64Char(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '='
}

// b64Run is the index of the first byte in s[from:to] that is no base64url
// character or '=', or to.
func b64Run[T ~string | ~[]byte](s T, from, to int) int {
	for from < to && b64Char(s[from]) {
		from++
	}
	return from
}

// b64Back is how many base64url characters or '=' end right before s[end].
func b64Back[T ~string | ~[]byte](s T, end int) int {
	n := 0
	for end-n > 0 && b64Char(s[end-n-1]) {
		n++
	}
	return n
}

func redactJWT(tok string) string {
	head, _, _ := strings.Cut(tok, ".")
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(head, "="))
	if err != nil {
		return tok
	}
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '{' && bytes.Contains(t, []byte(`"alg"`)) {
		return "[redacted JWT]"
	}
	return tok
}

// SignatureRedacted stands for a JWT's signature in a recorded
// authorization header: the header and claims say which key and team
// signed and when; the signature would let anyone replay the token.
const SignatureRedacted = "<signature redacted>"

// RedactAuthorization reduces an authorization header to its JWT's header
// and claims: "bearer <header>.<claims>.<signature redacted>". Anything
// that is not a JWT is redacted whole.
func RedactAuthorization(v string) string {
	for i := range authMemo {
		if m := authMemo[i].Load(); m != nil && m.in == v {
			return m.out
		}
	}
	out := redactAuthorization(v)
	authMemo[authNext.Add(1)%uint32(len(authMemo))].Store(&authPair{in: v, out: out})
	return out
}

// authMemo holds the latest answers of RedactAuthorization: a provider
// signs one JWT for up to an hour and sends it with every push, and each
// push's header is reduced twice (the mock's push record, then Redact on
// the bus, which gets the reduced form), so the split, two base64 decodes
// and two JSON checks ran twice per call for the same few strings. The
// answer depends on the value alone. The token held here is the one the
// process itself sent or received; it never leaves the process.
var (
	authMemo [4]atomic.Pointer[authPair]
	authNext atomic.Uint32
)

type authPair struct{ in, out string }

func redactAuthorization(v string) string {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return Redacted
	}
	parts := strings.Split(strings.TrimSpace(tok), ".")
	if len(parts) != 3 || !isJWTPart(parts[0]) || !isJWTPart(parts[1]) {
		return Redacted
	}
	return scheme + " " + parts[0] + "." + parts[1] + "." + SignatureRedacted
}

// isJWTPart: base64url of a JSON object.
func isJWTPart(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	return err == nil && json.Valid(b) && len(bytes.TrimSpace(b)) > 0 && bytes.TrimSpace(b)[0] == '{'
}

// redactPush copies p with the authorization header reduced and every
// other header and the payload stripped of JWT- or key-shaped secrets. It
// copies only when something changes.
func redactPush(p *PushRecord) *PushRecord {
	var hdr map[string]string
	for k, v := range p.Headers {
		nv := RedactValue(v)
		if strings.EqualFold(k, "authorization") {
			nv = RedactAuthorization(v)
		}
		if nv != v {
			if hdr == nil {
				hdr = maps.Clone(p.Headers)
			}
			hdr[k] = nv
		}
	}
	payload := redactJSON(p.Payload, "[redacted: the payload held a secret]")
	if hdr == nil && len(payload) == len(p.Payload) && string(payload) == string(p.Payload) {
		return p
	}
	c := *p
	if hdr != nil {
		c.Headers = hdr
	}
	c.Payload = payload
	return &c
}

// redactJSON is b with JWT- or key-shaped secrets removed, still JSON: when
// removing them breaks it, the JSON string instead. b itself when clean.
func redactJSON(b json.RawMessage, instead string) json.RawMessage {
	if !jwtShaped(b) && !bytes.Contains(b, []byte("PRIVATE KEY")) {
		return b // most payloads: neither copied nor searched by a regexp
	}
	s := string(b)
	r := RedactValue(s)
	if r == s {
		return b
	}
	if out := json.RawMessage(r); json.Valid(out) {
		return out
	}
	out, _ := json.Marshal(instead)
	return out
}

// PlaintextAttrs are the attributes that carry decrypted text: a message
// shown by the extension (its title and body). A trace keeps them only
// with --record-plaintext.
var PlaintextAttrs = map[string]bool{"title": true, "body": true, "text": true, "plaintext": true}

// PlaintextOmitted replaces decrypted text in a trace recorded without
// --record-plaintext.
const PlaintextOmitted = "[plaintext not recorded: --record-plaintext keeps it]"

// RedactPlaintext returns e with decrypted text replaced in its attributes
// by PlaintextOmitted and its Plaintext dropped; it copies the attributes
// only when one is there.
func RedactPlaintext(e Event) Event { return RedactPlaintextAs(e, PlaintextOmitted) }

// RedactPlaintextAs is RedactPlaintext with the text that says why.
func RedactPlaintextAs(e Event, omitted string) Event {
	e.Plaintext = nil
	found := false
	for k := range e.Attrs {
		if PlaintextAttrs[k] {
			found = true
			break
		}
	}
	if !found {
		return e
	}
	a := maps.Clone(e.Attrs)
	for k := range a {
		if PlaintextAttrs[k] {
			a[k] = omitted
		}
	}
	e.Attrs = a
	return e
}
