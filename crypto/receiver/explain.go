package receiver

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/crypto/keyring"
)

// explainAuth runs the differential checks for an AEAD failure, which Go
// and CryptoKit report identically whatever its cause. First what the
// receiver alone can try (a real extension can do the same): the other
// keys it holds, the other info labels, the header values an edit could
// have changed. Then, only when the debugger saw the sender's side
// (Config.Sent), the comparison with the sender's copy, labelled as such.
func (r *run) explainAuth(tried *keyring.Key, e *Error) {
	own := r.receiverOnly(tried, e)
	e.Explanation = own
	if sent := r.sent(); sent != nil {
		if why := r.compareSent(tried, sent); why != "" {
			e.SenderCopy = why
			e.Explanation = own + "; compared with the sender's copy: " + why
		}
	}
}

// receiverOnly is the differential a receiver can run by itself. Each try
// is recorded in e.Differential; the sentence returned names the one that
// opened the envelope, or what is left when none did.
func (r *run) receiverOnly(tried *keyring.Key, e *Error) string {
	env := r.env
	note := func(name, detail string, ok bool) {
		e.Differential = append(e.Differential, Check{Name: name, Code: CodeAuth, OK: ok, Detail: detail})
	}
	// kid vs key tried: the kid is in the AAD, so rebuild it for each
	// other key this device holds (a rotated one included).
	others := 0
	for _, k := range r.cfg.Ring.Keys() {
		if k == tried || k.Scheme().ID() != tried.Scheme().ID() {
			continue
		}
		others++
		cand := *env
		cand.KID = k.KID()
		aad, err := cand.AAD()
		if err != nil {
			continue
		}
		if _, err := k.Open(env.Enc, r.cfg.Info, aad, env.CT); err == nil {
			held := "key kid " + b64(k.KID())
			if k.Rotated {
				held += " (rotated)"
			}
			note("other keys", held+" opens it", true)
			return "sealed for " + held + ", but the header names kid " + b64(env.KID) + keyState(tried) + ": the kid was changed after sealing"
		}
	}
	note("other keys", fmt.Sprintf("%d other held key(s) of this scheme: none opens it", others), false)

	// previous/next info label.
	var labels []string
	for _, label := range r.cfg.OtherInfo {
		if bytes.Equal(label, r.cfg.Info) {
			continue
		}
		labels = append(labels, strconv.Quote(string(label)))
		if _, err := tried.Open(env.Enc, label, r.aad, env.CT); err == nil {
			note("info labels", fmt.Sprintf("%q opens it", label), true)
			return fmt.Sprintf("info label differs: sealed with %q, this receiver uses %q", label, r.cfg.Info)
		}
	}
	note("info labels", "tried "+strings.Join(labels, ", ")+": none opens it", false)

	if !tried.Scheme().HasAAD() {
		return "ciphertext altered, or sealed for another public key under this kid" + keyState(tried) +
			" (no other held key opens it; a sealed box has no AAD, so the header is checked after opening)"
	}
	// AAD fields: ttl has few possible values, so try them all; ts and
	// nonce have too many, and v, alg, kid and rcpt were checked above.
	var ttls []uint32
	var aads [][]byte
	for ttl := uint32(1); ttl <= envelope.MaxTTL; ttl++ {
		if ttl == env.TTL {
			continue
		}
		aad := bytes.Clone(r.aad)
		binary.BigEndian.PutUint32(aad[38:42], ttl) // the AAD's ttl field
		ttls, aads = append(ttls, ttl), append(aads, aad)
	}
	if i, _, err := tried.OpenAny(env.Enc, r.cfg.Info, aads, env.CT); err == nil {
		note("header ttl", fmt.Sprintf("ttl %d opens it", ttls[i]), true)
		return fmt.Sprintf("header field ttl was changed after sealing (it opens with ttl %d, received %d)", ttls[i], env.TTL)
	}
	note("header ttl", fmt.Sprintf("ttl 1–%d s: none opens it", envelope.MaxTTL), false)
	return "ciphertext altered, or enc or the header's ts or nonce changed after sealing (the AEAD binds them all), or sealed for " +
		"another public key under this kid" + keyState(tried) + ": no other held key, info label or ttl opens it"
}

// keyState says what the key tried is, when that matters: a rotated key
// means the sender's key directory is stale.
func keyState(k *keyring.Key) string {
	if k.Rotated {
		return " (the key tried, kid " + b64(k.KID()) + ", is a rotated key)"
	}
	return ""
}

// sent picks the sealed envelope this one came from: the candidate sharing
// the most fields, so any single edit still finds it.
func (r *run) sent() *envelope.Envelope {
	var best *envelope.Envelope
	bestScore := 0
	for _, c := range r.cfg.Sent {
		if c == nil {
			continue
		}
		score := 0
		for _, d := range headerDiff(c, r.env) {
			if d == "" {
				score++
			}
		}
		if score > bestScore {
			best, bestScore = c, score
		}
	}
	if bestScore < 5 { // fewer than half the fields agree: not this envelope
		return nil
	}
	return best
}

// headerDiff compares every field; "" where they agree, else the field's name.
func headerDiff(a, b *envelope.Envelope) []string {
	eq := func(ok bool, name string) string {
		if ok {
			return ""
		}
		return name
	}
	return []string{
		eq(a.V == b.V, "v"), eq(a.Alg == b.Alg, "alg"), eq(bytes.Equal(a.KID, b.KID), "kid"),
		eq(bytes.Equal(a.Rcpt, b.Rcpt), "rcpt"), eq(a.TS == b.TS, "ts"), eq(a.TTL == b.TTL, "ttl"),
		eq(bytes.Equal(a.Nonce, b.Nonce), "nonce"), eq(bytes.Equal(a.Enc, b.Enc), "enc"), eq(bytes.Equal(a.CT, b.CT), "ct"),
	}
}

// compareSent names what changed between sealing and receipt, and checks
// the claim: the sealed version must open with the key tried.
func (r *run) compareSent(tried *keyring.Key, sent *envelope.Envelope) string {
	var header, body []string
	for _, d := range headerDiff(sent, r.env) {
		switch d {
		case "":
		case "enc", "ct":
			body = append(body, d)
		default:
			header = append(header, d)
		}
	}
	aad, err := sent.AAD()
	if err != nil {
		return ""
	}
	if !bytes.Equal(sent.KID, r.env.KID) {
		return "sealed for key kid " + b64(sent.KID) + ", device holds " + heldKeys(r.cfg.Ring) + ": the header's kid was changed after sealing"
	}
	if _, err := tried.Open(sent.Enc, r.cfg.Info, aad, sent.CT); err != nil {
		if len(header)+len(body) == 0 {
			return "" // the same envelope as sealed: not an edit on the way
		}
		return "the envelope was changed (" + strings.Join(append(header, body...), ", ") + ") and the sealed one does not open with this key either"
	}
	var parts []string
	for _, f := range header {
		parts = append(parts, fmt.Sprintf("header field %s was changed after sealing (sealed %s, received %s)", f, field(sent, f), field(r.env, f)))
	}
	for _, f := range body {
		what := map[string]string{"ct": "ciphertext altered", "enc": "enc (the encapsulated key) altered"}[f]
		parts = append(parts, what+bitDiff(fieldBytes(sent, f), fieldBytes(r.env, f)))
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, "; ")
}

func fieldBytes(e *envelope.Envelope, f string) []byte {
	if f == "enc" {
		return e.Enc
	}
	return e.CT
}

func field(e *envelope.Envelope, f string) string {
	switch f {
	case "v":
		return fmt.Sprint(e.V)
	case "alg":
		return e.Alg
	case "kid":
		return b64(e.KID)
	case "rcpt":
		return b64(e.Rcpt)
	case "ts":
		return fmt.Sprint(e.TS)
	case "ttl":
		return fmt.Sprint(e.TTL)
	case "nonce":
		return b64(e.Nonce)
	}
	return ""
}

// bitDiff says where two equal-length byte strings differ.
func bitDiff(a, b []byte) string {
	if len(a) != len(b) {
		return fmt.Sprintf(" (%d bytes sealed, %d received)", len(a), len(b))
	}
	bits, first := 0, -1
	for i := range a {
		x := a[i] ^ b[i]
		for ; x != 0; x &= x - 1 {
			bits++
		}
		if a[i] != b[i] && first < 0 {
			first = i
		}
	}
	return fmt.Sprintf(" (%d bit(s) differ, first at byte %d)", bits, first)
}

// explainBind names the header field a sealed box's bind disagrees with:
// the box opened, so the plaintext's own copies (sent_ms, nonce) and this
// key's kid rebuild the sealed header, and only ttl needs a search.
func (r *run) explainBind(p envelope.Plaintext) string {
	cand := *r.env
	var changed []string
	if p.SentMS != cand.TS {
		changed = append(changed, fmt.Sprintf("ts (sealed %d, received %d)", p.SentMS, cand.TS))
		cand.TS = p.SentMS
	}
	if inner, err := decodeB64(p.Nonce); err == nil && !bytes.Equal(inner, cand.Nonce) && len(inner) == envelope.NonceSize {
		changed = append(changed, fmt.Sprintf("nonce (sealed %s, received %s)", p.Nonce, b64(cand.Nonce)))
		cand.Nonce = inner
	}
	if aad, err := cand.AAD(); err == nil && envelope.Bind(aad) == p.Bind && len(changed) > 0 {
		return "header field " + strings.Join(changed, " and ") + " was changed after sealing"
	}
	for ttl := uint32(0); ttl <= 3600; ttl++ {
		c := cand
		c.TTL = ttl
		if aad, err := c.AAD(); err == nil && envelope.Bind(aad) == p.Bind {
			changed = append(changed, fmt.Sprintf("ttl (sealed %d, received %d)", ttl, r.env.TTL))
			return "header field " + strings.Join(changed, " and ") + " was changed after sealing"
		}
	}
	return "a header field was changed after sealing, or the sender computed bind over another header (sealed boxes bind the header inside)"
}

func heldKeys(r *keyring.Ring) string {
	var ids []string
	for _, k := range r.Keys() {
		s := b64(k.KID())
		if k.Rotated {
			s += " (rotated)"
		}
		ids = append(ids, s)
	}
	if len(ids) == 0 {
		return "no keys"
	}
	return strings.Join(ids, ", ")
}

func decodeB64(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}
