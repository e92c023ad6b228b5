package provider

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/callscope/callscope/internal/jsonwalk"
)

// EnvelopeKey is the custom payload key that carries the envelope, beside aps.
const EnvelopeKey = "vpe"

// Generic alert text: the server cannot know whether it is a call, and this is
// what the callee sees if the extension fails or times out.
const (
	AlertTitle = "New message"
	AlertBody  = "Open to read"
)

// envelopeClock is the only part of the envelope the server reads: the
// cleartext ts (Unix ms) and ttl (s), to set apns-expiration.
type envelopeClock struct {
	TS  int64 `json:"ts"`
	TTL int64 `json:"ttl"`
}

// PushOptions are the server's push-building choices. The zero value builds
// exactly what Apple's E2EE article asks for; the fields reproduce mistakes
// real provider servers make, for scenarios.
type PushOptions struct {
	OmitMutableContent bool   `toml:"omit_mutable_content"` // forget aps.mutable-content (or a vendor strips it)
	NoAlertText        bool   `toml:"no_alert_text"`        // a sound-only payload: no title, subtitle or body
	PushType           string `toml:"push_type"`            // apns-push-type; "" = alert
	TopicSuffix        string `toml:"topic_suffix"`         // appended to the bundle id, e.g. ".voip"
	Priority           int    `toml:"priority"`             // apns-priority; 0 = 10
	// ExpirationZero sends apns-expiration 0 (deliver now or never, as Apple
	// advises for calls) instead of the envelope's ts + ttl.
	ExpirationZero bool `toml:"expiration_zero"`
}

type apsAlert struct {
	Title string `json:"title,omitempty"`
	Body  string `json:"body,omitempty"`
}

type aps struct {
	Alert          *apsAlert `json:"alert,omitempty"`
	MutableContent int       `json:"mutable-content,omitempty"`
	Sound          string    `json:"sound"`
}

type payload struct {
	APS         aps             `json:"aps"`
	Envelope    json.RawMessage `json:"vpe"`
	TraceParent string          `json:"traceparent,omitempty"`
}

// BuildPayload returns the APNs payload for an envelope and the expiration
// the envelope asks for (ts + ttl).
func BuildPayload(envelope json.RawMessage, traceparent string, o PushOptions) ([]byte, time.Time, error) {
	return buildPayload(envelope, traceparent, o, false)
}

// buildPayload is BuildPayload; valid says the envelope is a JSON value
// already validated (a decoded request's), whose ts and ttl are then read
// by a walk when it can (clockFast) instead of a second full decode.
func buildPayload(envelope json.RawMessage, traceparent string, o PushOptions, valid bool) ([]byte, time.Time, error) {
	var clk envelopeClock
	if !valid || !clockFast(envelope, &clk) {
		clk = envelopeClock{}
		if err := json.Unmarshal(envelope, &clk); err != nil {
			return nil, time.Time{}, fmt.Errorf("envelope: %v", err)
		}
	}
	if clk.TS <= 0 || clk.TTL <= 0 {
		return nil, time.Time{}, fmt.Errorf("envelope: ts and ttl must be positive (got ts=%d ttl=%d)", clk.TS, clk.TTL)
	}
	exp := time.UnixMilli(clk.TS).Add(time.Duration(clk.TTL) * time.Second)
	if plainJSON(envelope) && plainString(traceparent) {
		return appendPayload(make([]byte, 0, len(envelope)+len(traceparent)+128), envelope, traceparent, o), exp, nil
	}
	p := payload{
		APS:         aps{Alert: &apsAlert{Title: AlertTitle, Body: AlertBody}, MutableContent: 1, Sound: "default"},
		Envelope:    envelope,
		TraceParent: traceparent,
	}
	if o.OmitMutableContent {
		p.APS.MutableContent = 0
	}
	if o.NoAlertText {
		p.APS.Alert = nil
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, time.Time{}, err
	}
	return b, exp, nil
}

// appendPayload writes what json.Marshal writes for the payload, without
// reflection and without compacting the envelope a second time: every
// call's push is built here. Only for an envelope json.Unmarshal accepted
// and that plainJSON passed, so it is valid, compact and needs no escaping.
func appendPayload(b, envelope []byte, traceparent string, o PushOptions) []byte {
	b = append(b, `{"aps":{`...)
	if !o.NoAlertText {
		b = append(b, `"alert":{"title":"`+AlertTitle+`","body":"`+AlertBody+`"},`...)
	}
	if !o.OmitMutableContent {
		b = append(b, `"mutable-content":1,`...)
	}
	b = append(b, `"sound":"default"},"vpe":`...)
	b = append(b, envelope...)
	if traceparent != "" {
		b = append(b, `,"traceparent":"`...)
		b = append(b, traceparent...)
		b = append(b, '"')
	}
	return append(b, '}')
}

// clockFast reads ts and ttl out of a valid envelope object as
// json.Unmarshal into envelopeClock would; ok is false when encoding/json
// must decide (null, a number that is no int64, a name it might match).
func clockFast(envelope []byte, clk *envelopeClock) bool {
	w := jsonwalk.New(envelope)
	return w.Object(func(key string) bool {
		var n int
		var ok bool
		switch key {
		case "ts":
			n, ok = w.Integer()
			clk.TS = int64(n)
		case "ttl":
			n, ok = w.Integer()
			clk.TTL = int64(n)
		default:
			ok = w.Other(key, "ts", "ttl")
		}
		return ok
	}) && w.Done()
}

// plainJSON reports whether b has nothing json.Marshal would change in a
// RawMessage: no white space to compact, no HTML characters or line
// separators to escape.
func plainJSON(b []byte) bool {
	for _, c := range b {
		if notPlain[c] {
			return false
		}
	}
	return true
}

// notPlain are the bytes plainJSON looks for, as a table: every call's
// envelope is scanned here, and a switch per byte cost twice as much.
var notPlain = [256]bool{' ': true, '\t': true, '\n': true, '\r': true, '<': true, '>': true, '&': true, 0xe2: true}

// plainString reports whether json.Marshal writes s as it is between quotes.
func plainString(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}
