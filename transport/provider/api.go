package provider

import (
	"encoding/json"
	"time"
)

// API paths.
const (
	PathDevices = "/v1/devices"
	PathUsers   = "/v1/users/" // + USER + "/devices"
	PathPush    = "/v1/push"
)

// Device is one registered installation of the callee's app.
type Device struct {
	User        string `json:"user"`
	Token       string `json:"token"`       // APNs device token, hex (the regular token, not PushKit's)
	Topic       string `json:"topic"`       // bundle id
	Environment string `json:"environment"` // sandbox or production
	Scheme      string `json:"scheme"`      // envelope scheme name
	KID         string `json:"kid"`         // key id, base64url
	PublicKey   string `json:"public_key"`  // base64url
	Name        string `json:"name,omitempty"`
}

// PushRequest is what the caller app posts: an opaque envelope for one
// device, and a trace id that tells callscope's stages apart and tells the
// server nothing.
type PushRequest struct {
	Token       string          `json:"token"`
	Envelope    json.RawMessage `json:"envelope"`
	TraceParent string          `json:"traceparent,omitempty"`
}

// PushResult is the server's answer: what APNs said.
type PushResult struct {
	ApnsID   string `json:"apns_id,omitempty"`
	Status   int    `json:"status"`
	Reason   string `json:"reason,omitempty"`
	Error    string `json:"error,omitempty"`
	Payload  int    `json:"payload_bytes,omitempty"`
	APNsTime int64  `json:"apns_rtt_us,omitempty"`
	// Timestamp is APNs' 410 timestamp: when the token stopped being valid.
	Timestamp time.Time `json:"timestamp,omitzero"`
}

// ErrorBody is every non-2xx answer that is not about APNs.
type ErrorBody struct {
	Error string `json:"error"`
}
