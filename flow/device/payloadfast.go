package device

import (
	"encoding/json"

	"github.com/callscope/callscope/internal/jsonwalk"
)

// decodePayload is json.Unmarshal(b, pl), with a faster path for payloads
// of the usual shape: every push the extension gets is read here, and
// encoding/json validated it and then decoded it byte by byte, the
// envelope's ciphertext included. After one validating pass (jsonwalk.Valid, json.Valid's answer),
// the members are found by skipping strings with a byte search. Anything
// the fast path does not read exactly as encoding/json would (a name in
// other case or escaped, a name twice, null, a value of another type, a
// string with escapes or non-ASCII bytes) goes to encoding/json.
func decodePayload(b []byte, pl *payloadAPS) error {
	if !jsonwalk.Valid(b) {
		return json.Unmarshal(b, pl)
	}
	var fast payloadAPS
	if payloadFast(b, &fast) {
		*pl = fast
		return nil
	}
	return json.Unmarshal(b, pl)
}

// payloadFast reads a valid JSON document's top-level aps (alert,
// mutable-content), traceparent and vpe; ok is false when encoding/json
// must decide.
func payloadFast(b []byte, pl *payloadAPS) bool {
	s := jsonwalk.New(b)
	var seen [3]bool
	return s.Object(func(key string) bool {
		switch key {
		case "aps":
			if seen[0] || !s.At('{') {
				return false
			}
			seen[0] = true
			var apsSeen [2]bool
			return s.Object(func(key string) bool {
				switch key {
				case "alert":
					if apsSeen[0] || s.At('n') {
						return false
					}
					apsSeen[0] = true
					pl.APS.Alert = append(json.RawMessage(nil), s.Value()...)
					return true
				case "mutable-content":
					if apsSeen[1] {
						return false
					}
					apsSeen[1] = true
					n, ok := s.Integer()
					pl.APS.MutableContent = n
					return ok
				}
				return s.Other(key, "alert", "mutable-content")
			})
		case "traceparent":
			if seen[1] {
				return false
			}
			seen[1] = true
			v, ok := s.PlainString()
			pl.TraceParent = v
			return ok
		case "vpe":
			if seen[2] || s.At('n') {
				return false
			}
			seen[2] = true
			pl.VPE = append(json.RawMessage(nil), s.Value()...)
			return true
		}
		return s.Other(key, "aps", "traceparent", "vpe")
	})
}

// envelopeHeaderFast reads the header fields of a VPE object taken from a
// valid document, as json.Unmarshal into envelopeHeader would; ok is false
// when encoding/json must decide.
func envelopeHeaderFast(raw []byte, h *envelopeHeader) bool {
	s := jsonwalk.New(raw)
	if !s.At('{') {
		return false
	}
	var seen [6]bool
	once := func(i int) bool {
		if seen[i] {
			return false
		}
		seen[i] = true
		return true
	}
	return s.Object(func(key string) bool {
		var ok bool
		switch key {
		case "v":
			h.V, ok = s.Integer()
			return once(0) && ok
		case "alg":
			h.Alg, ok = s.PlainString()
			return once(1) && ok
		case "kid":
			h.KID, ok = s.PlainString()
			return once(2) && ok
		case "rcpt":
			h.Rcpt, ok = s.PlainString()
			return once(3) && ok
		case "ts":
			var n int
			n, ok = s.Integer()
			h.TS = int64(n)
			return once(4) && ok
		case "ttl":
			var n int
			n, ok = s.Integer()
			h.TTL = int64(n)
			return once(5) && ok
		}
		return s.Other(key, "v", "alg", "kid", "rcpt", "ts", "ttl")
	}) && s.Done()
}

// alertTextFast is hasAlertText for an alert taken from a valid document
// (payloadFast's): whether title, subtitle or body is a non-empty string,
// read without decoding them. A JSON string is empty only when nothing is
// between its quotes: every escape stands for at least one character.
// ok is false when encoding/json must decide (a name twice or in other
// case, a value that is no string).
func alertTextFast(raw []byte) (text, ok bool) {
	s := jsonwalk.New(raw)
	if !s.At('{') {
		return false, false
	}
	var seen [3]bool
	ok = s.Object(func(key string) bool {
		i := -1
		switch key {
		case "title":
			i = 0
		case "subtitle":
			i = 1
		case "body":
			i = 2
		default:
			return s.Other(key, "title", "subtitle", "body")
		}
		if seen[i] || !s.At('"') {
			return false
		}
		seen[i] = true
		if len(s.Str()) > 0 { // read it whatever text is: the walk moves on
			text = true
		}
		return true
	}) && s.Done()
	return text && ok, ok
}
