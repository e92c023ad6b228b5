package flow

import (
	"bytes"
	"encoding/base64"
	"regexp"
	"strings"
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

// secretKeys are attribute names whose values are never shown.
var secretKeys = map[string]bool{
	"authorization": true,
	"private_key":   true,
	"p8":            true,
	"jwt":           true,
}

// Redacted replaces secrets in a value.
const Redacted = "[redacted]"

// RedactValue removes signed JWTs and PEM private keys from s.
func RedactValue(s string) string {
	if strings.Contains(s, ".") && (strings.Contains(s, "ey") || strings.Contains(s, "ew")) {
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
		if secretKeys[strings.ToLower(k)] || RedactValue(v) != v {
			changed = true
			break
		}
	}
	if changed {
		a := make(map[string]string, len(e.Attrs))
		for k, v := range e.Attrs {
			if secretKeys[strings.ToLower(k)] {
				v = Redacted
			} else {
				v = RedactValue(v)
			}
			a[k] = v
		}
		e.Attrs = a
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
