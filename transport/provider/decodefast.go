package provider

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/callscope/callscope/internal/jsonwalk"
)

// decodePush is decode for a push request, with a faster path for a body
// of known length that is one JSON object of the usual members: every call
// crosses here, and json.Decoder grew its buffer, scanned the body and then
// decoded it again, the envelope's ciphertext included. The body is read
// through the same size limit; a body the fast path declines is decoded by
// the json.Decoder from the bytes already read followed by the rest, so
// its answer and its errors are decode's.
func decodePush(r *http.Request, req *PushRequest) error {
	n := r.ContentLength
	if n <= 0 || n > maxBody {
		return decode(r, req)
	}
	body := http.MaxBytesReader(nil, r.Body, maxBody)
	buf := make([]byte, n)
	got, err := io.ReadFull(body, buf)
	if err == nil && jsonwalk.Valid(buf) {
		var fast PushRequest
		if pushFast(buf, &fast) {
			*req = fast
			return nil
		}
	}
	dec := json.NewDecoder(io.MultiReader(bytes.NewReader(buf[:got]), body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(req); err != nil {
		return fmt.Errorf("request body: %v", err)
	}
	return nil
}

// pushFast reads a valid document that is an object of token, envelope
// and traceparent, each once, as json.Decoder with DisallowUnknownFields
// would; ok is false when the decoder must decide. req.Envelope is a
// slice of b.
func pushFast(b []byte, req *PushRequest) bool {
	w := jsonwalk.New(b)
	var seen [3]bool
	once := func(i int) bool {
		if seen[i] {
			return false
		}
		seen[i] = true
		return true
	}
	return w.Object(func(key string) bool {
		var ok bool
		switch key {
		case "token":
			req.Token, ok = w.PlainString()
			return once(0) && ok
		case "envelope":
			if w.At('n') {
				return false
			}
			req.Envelope = w.Value() // b is the request's own copy, read for this request alone
			return once(1)
		case "traceparent":
			req.TraceParent, ok = w.PlainString()
			return once(2) && ok
		}
		return false // unknown, or a spelling the decoder matches: its call
	}) && w.Done()
}

// resultFast reads the server's answer to a push as json.Unmarshal into a
// zero PushResult would, for an object of the usual members with plain
// values; ok is false when encoding/json must decide (not valid JSON, a
// timestamp, null, a name in other case, a string with escapes).
func resultFast(b []byte, r *PushResult) bool {
	if !jsonwalk.Valid(b) {
		return false
	}
	w := jsonwalk.New(b)
	return w.Object(func(key string) bool {
		var ok bool
		var n int
		switch key {
		case "apns_id":
			r.ApnsID, ok = w.PlainString()
		case "reason":
			r.Reason, ok = w.PlainString()
		case "error":
			r.Error, ok = w.PlainString()
		case "status":
			r.Status, ok = w.Integer()
		case "payload_bytes":
			r.Payload, ok = w.Integer()
		case "apns_rtt_us":
			n, ok = w.Integer()
			r.APNsTime = int64(n)
		default:
			ok = w.Other(key, "apns_id", "reason", "error", "status", "payload_bytes", "apns_rtt_us", "timestamp")
		}
		return ok
	}) && w.Done()
}
