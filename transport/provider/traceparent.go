package provider

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// NewTraceParent returns a W3C traceparent with a random trace id and span id.
func NewTraceParent() (traceparent, traceID string) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	traceID = hex.EncodeToString(b[:16])
	return "00-" + traceID + "-" + hex.EncodeToString(b[16:]) + "-01", traceID
}

// TraceID returns the trace id of a W3C traceparent, or "" when it is not one.
func TraceID(traceparent string) string {
	p := strings.Split(traceparent, "-")
	if len(p) != 4 || len(p[0]) != 2 || len(p[1]) != 32 || len(p[2]) != 16 || len(p[3]) != 2 {
		return ""
	}
	if _, err := hex.DecodeString(p[1]); err != nil || p[1] == strings.Repeat("0", 32) {
		return ""
	}
	return p[1]
}
