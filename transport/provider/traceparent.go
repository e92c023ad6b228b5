package provider

import (
	"crypto/rand"
	"encoding/hex"
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

// TraceID returns the trace id of a W3C traceparent, or "" when it is not one:
// four dash-separated fields of 2, 32, 16 and 2 characters, the second hex
// and not all zeros. Every call asks twice (caller and server), so this
// reads the string in place instead of splitting and decoding it.
func TraceID(traceparent string) string {
	const n = 2 + 1 + 32 + 1 + 16 + 1 + 2
	if len(traceparent) != n || traceparent[2] != '-' || traceparent[35] != '-' || traceparent[52] != '-' {
		return ""
	}
	zero := true
	for i := 0; i < n; i++ {
		c := traceparent[i]
		switch {
		case i == 2 || i == 35 || i == 52:
		case c == '-':
			return "" // a fifth field
		case i > 2 && i < 35:
			if !isHex(c) {
				return ""
			}
			zero = zero && c == '0'
		}
	}
	if zero {
		return ""
	}
	return traceparent[3:35]
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
