package ingest

import (
	"bytes"
	"encoding/base64"
	"regexp"
	"strings"
)

// flow.RedactValue finds JWTs by their "eyJ" start, which is how a header
// written as {"alg"… encodes. Apple's own openssl recipe writes { "alg"… with
// a space ("eyA…"), and other encoders put a newline after the brace
// ("ew…"): such a token would pass it. Anything from outside may carry one, so
// this endpoint also looks for every JWT-shaped token whose first part
// decodes to a JSON object naming an algorithm.
var jwtShape = regexp.MustCompile(`e[wy][A-Za-z0-9_-]{6,}={0,2}\.[A-Za-z0-9_-]{6,}={0,2}\.[A-Za-z0-9_-]{16,}={0,2}`)

// redactJWTs replaces the JWTs flow.RedactValue leaves in s.
func redactJWTs(s string) string {
	if !strings.Contains(s, "e") || !strings.Contains(s, ".") {
		return s
	}
	return jwtShape.ReplaceAllStringFunc(s, func(tok string) string {
		head, _, _ := strings.Cut(tok, ".")
		b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(head, "="))
		if err != nil {
			return tok
		}
		if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '{' && bytes.Contains(t, []byte(`"alg"`)) {
			return "[redacted JWT]"
		}
		return tok
	})
}
