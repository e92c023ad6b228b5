package apnsmock

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// connAuth is one provider connection's auth state, as APNs keeps it. In
// token mode: the key, kind and team the first authorized request pinned the
// connection to, the token in use and when it changed, and verified tokens
// cached so that ES256 (about 77 µs) runs once per token, not on every push.
// In certificate mode: what the handshake's client certificate allows. It is
// only touched from the connection's read loop, so it needs no lock.
type connAuth struct {
	cert *certInfo // non-nil: certificate mode

	verified map[string]tokenResult
	pinKey   string // the first key; "" until a request is authorized
	pinTeam  string
	pinTopic bool // the first key is topic-specific
	// slots holds the token in use and when it last changed: one slot for
	// the whole connection under a team key, one per key under a topic key
	// (its related key's tokens may be used alongside).
	slots  map[string]tokenSlot
	authed bool // a request with a valid token has been seen
}

type tokenSlot struct {
	token     string
	changedAt time.Time
}

func newTokenAuth() *connAuth {
	return &connAuth{verified: map[string]tokenResult{}, slots: map[string]tokenSlot{}}
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
	// maxCachedTokens bounds the per-connection cache: a client minting a
	// token per push must not grow it without end.
	maxCachedTokens = 64
)

// The two spellings of the environment-key reason: Apple's table, and what
// field reports show APNs answering.
const (
	reasonBadEnvKeyID = "BadEnvironmentKeyIdInToken"
	reasonBadEnvKey   = "BadEnvironmentKeyInToken"
)

// loadKeys checks Config.Keys and the environment-key spelling.
func (s *Server) loadKeys() error {
	switch s.cfg.BadEnvironmentKeyReason {
	case "":
		s.envKey = reasonBadEnvKeyID
	case reasonBadEnvKeyID, reasonBadEnvKey:
		s.envKey = s.cfg.BadEnvironmentKeyReason
	default:
		return fmt.Errorf("bad-environment-key reason %q: want %s or %s", s.cfg.BadEnvironmentKeyReason, reasonBadEnvKeyID, reasonBadEnvKey)
	}
	for _, k := range s.cfg.Keys {
		switch {
		case k.Public == nil || k.KeyID == "" || k.TeamID == "":
			return fmt.Errorf("provider key %q: key id, team id and public key are required", k.KeyID)
		case k.Environment != "" && k.Environment != "sandbox" && k.Environment != "production":
			return fmt.Errorf("provider key %s: environment %q: want sandbox or production", k.KeyID, k.Environment)
		case k.Topics != nil && len(k.Topics) == 0 || contains(k.Topics, ""):
			return fmt.Errorf("provider key %s: a topic-specific key needs its bundle ids", k.KeyID)
		case k.Related != "" && k.Topics == nil:
			return fmt.Errorf("provider key %s: only a topic-specific key has a related key", k.KeyID)
		}
		if _, dup := s.keys[k.KeyID]; dup {
			return fmt.Errorf("provider key %s: given twice", k.KeyID)
		}
		if k.Topics != nil && k.Environment == "" {
			k.Environment = s.cfg.Environment
		}
		s.keys[k.KeyID] = k
	}
	for _, k := range s.keys {
		if k.Related == "" {
			continue
		}
		r, ok := s.keys[k.Related]
		switch {
		case !ok:
			return fmt.Errorf("provider key %s: related key %s is not given", k.KeyID, k.Related)
		case r.Topics == nil || r.TeamID != k.TeamID || r.Environment != k.Environment:
			return fmt.Errorf("provider key %s: related key %s must be a topic-specific key of the same team and environment", k.KeyID, k.Related)
		case r.Related != "" && r.Related != k.KeyID:
			return fmt.Errorf("provider key %s: related key %s is related to %s already (a key has at most one)", k.KeyID, k.Related, r.Related)
		}
	}
	return nil
}

// related says whether two topic-specific keys may share a connection.
func (s *Server) related(a, b string) bool {
	return a == b || s.keys[a].Related == b || s.keys[b].Related == a
}

// authorizeToken applies APNs' provider-token rules to one request, in the
// order of docs/apns-rules.md: the token itself, the key's environment, the
// key against the connection's first, the token's age, and token updates. A
// zero verdict lets the request proceed, with the key that signed it.
func (s *Server) authorizeToken(c *connAuth, header string) (verdict, ProviderKey) {
	if header == "" {
		return rej(403, "MissingProviderToken", "no authorization header and no client certificate"), ProviderKey{}
	}
	scheme, tok, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "bearer") || tok == "" {
		return rej(403, "MissingProviderToken", "authorization is not \"bearer <JWT>\""), ProviderKey{}
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
		return rej(403, res.reason, res.why), ProviderKey{}
	}
	k := s.keys[res.keyID]
	if c.pinKey != "" && res.team != c.pinTeam {
		// Apple names no reason for a second team on a connection; Pushy's
		// mock answers InvalidProviderToken.
		v := rej(403, "InvalidProviderToken", "team "+res.team+" differs from the connection's team "+c.pinTeam)
		v.hint = "a connection serves one team: open another connection for team " + res.team
		return v, k
	}
	if k.Environment != "" && k.Environment != s.cfg.Environment {
		return rej(403, s.envKey, "key "+res.keyID+" is scoped to "+k.Environment+", this is "+s.cfg.Environment), k
	}
	if v := s.checkPin(c, k); v.status != 0 {
		return v, k
	}
	if s.now().Sub(res.iat) > tokenMaxAge {
		return rej(403, "ExpiredProviderToken", "iat "+res.iat.UTC().Format(time.RFC3339)+" is over an hour old"), k
	}
	slot := ""
	if k.Topics != nil {
		slot = k.KeyID
	}
	cur, seen := c.slots[slot]
	if seen && cur.token != tok {
		if s.now().Sub(cur.changedAt) < tokenMinChange {
			why := "a new provider token less than 20 minutes after the last on this connection"
			if id := c.verified[cur.token].keyID; id != "" && id != k.KeyID {
				why = "a token of key " + k.KeyID + " less than 20 minutes after key " + id + "'s on this connection: a token update"
			}
			return rej(429, "TooManyProviderTokenUpdates", why), k
		}
	}
	if !seen || cur.token != tok {
		c.slots[slot] = tokenSlot{token: tok, changedAt: s.now()}
	}
	if c.pinKey == "" {
		c.pinKey, c.pinTeam, c.pinTopic = k.KeyID, k.TeamID, k.Topics != nil
	}
	c.authed = true
	return verdict{}, k
}

// checkPin holds a key against the connection's first. After a team key,
// another team key of the team (same environment, checked before) is a token
// update, while a topic-specific key is refused; after a topic-specific key,
// only it and its related key may follow.
func (s *Server) checkPin(c *connAuth, k ProviderKey) verdict {
	switch {
	case c.pinKey == "":
		return verdict{}
	case !c.pinTopic && k.Topics != nil:
		v := rej(403, "UnrelatedKeyIdInToken", "topic-specific key "+k.KeyID+" on a connection pinned to team key "+c.pinKey)
		v.hint = "a connection opened with a team key takes no topic-specific key: open another connection"
		return v
	case c.pinTopic && k.Topics == nil:
		v := rej(403, "UnrelatedKeyIdInToken", "team key "+k.KeyID+" on a connection pinned to topic-specific key "+c.pinKey)
		v.hint = "a connection opened with a topic-specific key takes only that key and its related key: open another connection"
		return v
	case c.pinTopic && !s.related(c.pinKey, k.KeyID):
		return rej(403, "UnrelatedKeyIdInToken", "key "+k.KeyID+" is not related to the connection's first key "+c.pinKey)
	}
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
