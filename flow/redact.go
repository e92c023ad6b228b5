package flow

import (
	"regexp"
	"strings"
)

// Secrets never reach events. Components leave them out; Redact is the net
// under them, applied to every event before it leaves the process.

var (
	jwtPattern = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{20,}`)
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
	if strings.Contains(s, "eyJ") {
		s = jwtPattern.ReplaceAllString(s, "[redacted JWT]")
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
		if d := RedactValue(e.Diagnosis.Detail); d != e.Diagnosis.Detail {
			c := *e.Diagnosis
			c.Detail = d
			e.Diagnosis = &c
		}
	}
	return e
}
