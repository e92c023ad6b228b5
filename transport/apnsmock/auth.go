package apnsmock

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"time"
)

// connAuth is one provider connection's auth state, as APNs keeps it. In
// token mode: the key and team bound by the first valid token, the token in
// use and when it changed, and verified tokens cached so that ES256 (about
// 77 µs) runs once per token, not on every push. In certificate mode: what the
// handshake's client certificate allows. It is only touched from the
// connection's read loop, so it needs no lock.
type connAuth struct {
	cert *certInfo // non-nil: certificate mode

	verified  map[string]tokenResult
	boundKey  string
	boundTeam string
	token     string
	changedAt time.Time
	authed    bool // a request with a valid token has been seen
}

func newTokenAuth() *connAuth { return &connAuth{verified: map[string]tokenResult{}} }

type tokenResult struct {
	reason string // "" when valid
	keyID  string
	team   string
	iat    time.Time
	why    string
}

// tokenMaxAge is Apple's one hour; tokenMinChange its 20 minutes.
const (
	tokenMaxAge    = time.Hour
	tokenMinChange = 20 * time.Minute
	// maxCachedTokens bounds the per-connection cache: a client minting a
	// token per push must not grow it without end.
	maxCachedTokens = 64
)

// authorizeToken applies APNs' provider-token rules to one request; a zero
// verdict lets it proceed.
func (s *Server) authorizeToken(c *connAuth, header string, topicBase string) verdict {
	if header == "" {
		return rej(403, "MissingProviderToken", "no authorization header and no client certificate")
	}
	scheme, tok, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "bearer") || tok == "" {
		return rej(403, "MissingProviderToken", "authorization is not \"bearer <JWT>\"")
	}
	res, cached := c.verified[tok]
	if !cached {
		res = s.verifyJWT(tok)
		if len(c.verified) >= maxCachedTokens {
			clear(c.verified)
		}
		c.verified[tok] = res
	}
	if res.reason != "" {
		return rej(403, res.reason, res.why)
	}
	if s.now().Sub(res.iat) > tokenMaxAge {
		return rej(403, "ExpiredProviderToken", "iat "+res.iat.UTC().Format(time.RFC3339)+" is over an hour old")
	}
	k := s.keys[res.keyID]
	if k.Environment != "" && k.Environment != s.cfg.Environment {
		return rej(403, "BadEnvironmentKeyIdInToken", "key "+res.keyID+" is scoped to "+k.Environment)
	}
	switch {
	case c.boundKey == "":
		c.boundKey, c.boundTeam, c.token, c.changedAt = res.keyID, res.team, tok, s.now()
	case res.team != c.boundTeam:
		// Apple names no reason for a second team on a connection; Pushy's
		// mock answers InvalidProviderToken (apns.md §6.1).
		return rej(403, "InvalidProviderToken", "team "+res.team+" differs from the connection's team "+c.boundTeam)
	case res.keyID != c.boundKey:
		return rej(403, "UnrelatedKeyIdInToken", "key "+res.keyID+" is not related to the connection's first key "+c.boundKey)
	case tok != c.token:
		if s.now().Sub(c.changedAt) < tokenMinChange {
			return rej(429, "TooManyProviderTokenUpdates", "a new provider token less than 20 minutes after the last on this connection")
		}
		c.token, c.changedAt = tok, s.now()
	}
	if k.Topics != nil && !contains(k.Topics, topicBase) {
		return rej(400, "TopicDisallowed", "key "+res.keyID+" may not push to "+topicBase)
	}
	c.authed = true
	return verdict{}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// verifyJWT checks an ES256 provider token: header {alg, kid}, claims {iss,
// iat}, a raw 64-byte R‖S signature over header.claims.
func (s *Server) verifyJWT(tok string) tokenResult {
	s.verifies.Add(1)
	bad := func(why string) tokenResult { return tokenResult{reason: "InvalidProviderToken", why: why} }
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return bad("not a JWT (want header.claims.signature)")
	}
	var hdr struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	var claims struct {
		Iss string `json:"iss"`
		Iat *int64 `json:"iat"`
	}
	if err := decodeSegment(parts[0], &hdr); err != nil {
		return bad("JWT header is not base64url JSON")
	}
	if err := decodeSegment(parts[1], &claims); err != nil {
		return bad("JWT claims are not base64url JSON")
	}
	if hdr.Alg != "ES256" {
		return bad("alg " + quoteShort(hdr.Alg) + ": APNs accepts ES256 only")
	}
	k, ok := s.keys[hdr.Kid]
	if !ok {
		return bad("unknown key id " + quoteShort(hdr.Kid))
	}
	if claims.Iss != k.TeamID {
		return bad("iss " + quoteShort(claims.Iss) + " is not the key's team " + k.TeamID)
	}
	if claims.Iat == nil {
		return bad("no iat claim")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return bad("signature is not base64url")
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	var ok2 bool
	if len(sig) == 64 { // JWS: raw R‖S
		r, sv := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		ok2 = ecdsa.Verify(k.Public, sum[:], r, sv)
	} else {
		// ASN.1 DER, as Apple's own command-line recipe (openssl dgst
		// -sign) produces it: Apple documents that recipe, so APNs takes it.
		ok2 = ecdsa.VerifyASN1(k.Public, sum[:], sig)
	}
	if !ok2 {
		return bad("signature does not verify with key " + hdr.Kid)
	}
	return tokenResult{keyID: hdr.Kid, team: k.TeamID, iat: time.Unix(*claims.Iat, 0)}
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(seg, "="))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// quoteShort quotes a client-sent value for a diagnosis, cut so that a
// hostile header cannot flood the trace.
func quoteShort(v string) string {
	const max = 40
	if len(v) > max {
		v = v[:max] + "…"
	}
	b, _ := json.Marshal(v)
	return string(b)
}
