package apnsmock

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"sync"
	"time"
)

type connKey struct{}

// conn is one provider connection's token state, as APNs keeps it: the key
// and team bound by the first valid token, the token in use and when it
// changed, and verified tokens cached so ES256 is checked once per token.
type conn struct {
	mu        sync.Mutex
	verified  map[string]tokenResult
	boundKey  string
	boundTeam string
	token     string
	changedAt time.Time
}

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
)

// authorize applies APNs' provider-token rules to one request. It returns
// the status and reason to answer with, or 0 when the request may proceed.
func (s *Server) authorize(c *conn, header string, topicBase string) (int, string, string) {
	if header == "" {
		return 403, "MissingProviderToken", "no authorization header and no client certificate"
	}
	scheme, tok, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "bearer") || tok == "" {
		return 403, "MissingProviderToken", "authorization is not \"bearer <JWT>\""
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	res, cached := c.verified[tok]
	if !cached {
		res = s.verifyJWT(tok)
		if len(c.verified) > 64 {
			clear(c.verified)
		}
		c.verified[tok] = res
	}
	if res.reason != "" {
		return 403, res.reason, res.why
	}
	if s.now().Sub(res.iat) > tokenMaxAge {
		return 403, "ExpiredProviderToken", "iat " + res.iat.UTC().Format(time.RFC3339) + " is over an hour old"
	}
	k := s.keys[res.keyID]
	if k.Environment != "" && k.Environment != s.cfg.Environment {
		return 403, "BadEnvironmentKeyIdInToken", "key " + res.keyID + " is scoped to " + k.Environment
	}
	if k.Topics != nil && !contains(k.Topics, topicBase) {
		return 400, "TopicDisallowed", "key " + res.keyID + " may not push to " + topicBase
	}
	switch {
	case c.boundKey == "":
		c.boundKey, c.boundTeam, c.token, c.changedAt = res.keyID, res.team, tok, s.now()
	case res.team != c.boundTeam:
		return 403, "InvalidProviderToken", "team " + res.team + " differs from the connection's team " + c.boundTeam
	case res.keyID != c.boundKey:
		return 403, "UnrelatedKeyIdInToken", "key " + res.keyID + " is not related to the connection's first key " + c.boundKey
	case tok != c.token:
		if s.now().Sub(c.changedAt) < tokenMinChange {
			return 429, "TooManyProviderTokenUpdates", "a new provider token less than 20 minutes after the last on this connection"
		}
		c.token, c.changedAt = tok, s.now()
	}
	return 0, "", ""
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
		return bad("JWT header: " + err.Error())
	}
	if err := decodeSegment(parts[1], &claims); err != nil {
		return bad("JWT claims: " + err.Error())
	}
	if hdr.Alg != "ES256" {
		return bad("alg " + hdr.Alg + ": APNs accepts ES256 only")
	}
	k, ok := s.keys[hdr.Kid]
	if !ok {
		return bad("unknown key id " + hdr.Kid)
	}
	if claims.Iss != k.TeamID {
		return bad("iss " + claims.Iss + " is not the key's team " + k.TeamID)
	}
	if claims.Iat == nil {
		return bad("no iat claim")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return bad("signature is not 64 bytes of R‖S")
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	r, sv := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(k.Public, sum[:], r, sv) {
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
