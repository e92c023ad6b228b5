package device

import (
	"encoding/json"
	"strconv"
)

// envelopeHeader is the part of a VPE1 envelope a receiver reads before it
// decrypts: what docs/receiver-checks.md checks (version, algorithm, key
// id, recipient tag, time stamp and TTL). Nonce, enc and ciphertext stay
// out of the events: the envelope is opaque.
type envelopeHeader struct {
	V    int    `json:"v"`
	Alg  string `json:"alg"`
	KID  string `json:"kid"`
	Rcpt string `json:"rcpt"`
	TS   int64  `json:"ts"`
	TTL  int64  `json:"ttl"`
}

// AttrEnvelope is push-received's attribute with the envelope header as
// the device got it; AttrFailedCheck is decrypt-failed's receiver check
// code (E_PARSE … E_SIG) that refused the envelope.
const (
	AttrEnvelope    = "envelope"
	AttrFailedCheck = "failed_check"
)

// envelopeAttr adds the envelope header to attrs, when the payload has one
// that parses; a broken one is the receiver's to report.
func envelopeAttr(raw json.RawMessage, attrs map[string]string) map[string]string {
	var h envelopeHeader
	if len(raw) == 0 || json.Unmarshal(raw, &h) != nil {
		return attrs
	}
	return headerAttr(h, attrs)
}

// envelopeAttrValid is envelopeAttr for a vpe taken from a payload
// json.Valid accepted: its header is read in one pass when it can be.
func envelopeAttrValid(raw json.RawMessage, attrs map[string]string) map[string]string {
	var h envelopeHeader
	if len(raw) == 0 || !envelopeHeaderFast(raw, &h) {
		return envelopeAttr(raw, attrs)
	}
	return headerAttr(h, attrs)
}

func headerAttr(h envelopeHeader, attrs map[string]string) map[string]string {
	if h.Alg == "" {
		return attrs
	}
	attrs[AttrEnvelope] = "v" + strconv.Itoa(h.V) + " " + h.Alg + " kid=" + h.KID + " rcpt=" + h.Rcpt +
		" ts=" + strconv.FormatInt(h.TS, 10) + " ttl=" + strconv.FormatInt(h.TTL, 10) + "s"
	return attrs
}
