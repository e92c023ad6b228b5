package envelope

import (
	"encoding/hex"
	"strings"

	"github.com/callscope/callscope/internal/uuidtext"
)

// A real phone tags the events it posts to callscope --ingest with the
// request's trace id, so they land on the sender's call beside the server's
// (docs/ingest-swift.md). The phone learns it from the sealed plaintext, not
// from the cleartext traceparent beside "aps", which a team's provider
// server need not forward.
//
// callscope's sender spends no plaintext bytes on it: the call_uuid is the
// trace id written as a UUID (CallUUIDFor), so the padded push keeps its
// single 512-byte size. A sender whose call UUIDs are not its trace ids
// sets the optional trace_id member instead, at 46 bytes of the bucket.

// CallUUIDFor is the call_uuid callscope's sender gives a request traced
// under traceID (32 lowercase hex digits): the same 16 bytes, as CallKit's
// uppercase UUID string. It returns "" for anything but a trace id.
func CallUUIDFor(traceID string) string {
	if !validTraceID(traceID) {
		return ""
	}
	u := strings.ToUpper(traceID)
	return u[:8] + "-" + u[8:12] + "-" + u[12:16] + "-" + u[16:20] + "-" + u[20:]
}

// TraceIDOf is the trace id a receiver posts its events under: the
// trace_id member when the sender set one, otherwise call_uuid's 16 bytes
// in lowercase hex. It returns "" when neither is a trace id.
func TraceIDOf(p Plaintext) string {
	if validTraceID(p.TraceID) {
		return p.TraceID
	}
	if !uuidtext.Valid(p.CallUUID) {
		return ""
	}
	t := strings.ToLower(strings.ReplaceAll(p.CallUUID, "-", ""))
	if !validTraceID(t) {
		return ""
	}
	return t
}

// validTraceID is the W3C rule: 32 lowercase hex digits, not all zero.
func validTraceID(s string) bool {
	if len(s) != 32 || s != strings.ToLower(s) || s == strings.Repeat("0", 32) {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
