package apnsmock

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/internal/uuidtext"
	"github.com/callscope/callscope/transport/apns"
)

// answer is what the connection sends back for one request.
type answer struct {
	verdict
	apnsID   string
	uniqueID string
	delay    time.Duration
	after    connAction
}

// handle runs one complete request through validation and faults, emits
// its events and, for a valid push, decides its answer. Delivery happens in
// respond, when the answer goes out.
func (s *Server) handle(c *connAuth, rq *request) answer {
	rq.apnsID = ""
	rq.readHeaders()
	if uuidtext.Valid(rq.sentID) {
		rq.apnsID = rq.sentID
	} else {
		rq.apnsID = uuid.NewString()
	}
	a := answer{apnsID: rq.apnsID}
	a.verdict = s.validate(c, rq)
	if len(rq.body) > 0 {
		rq.traceID = traceIDOf(rq.body)
	}
	if rq.traceID == "" && s.cfg.TraceOf != nil && len(rq.body) > 0 {
		rq.traceID = s.cfg.TraceOf(rq.body)
	}
	if rq.traceID == "" {
		// A team's own server sends no traceparent: trace the push under
		// its apns-id, which is already 32 hex digits, so that its events
		// still make one request on a screen or in a trace.
		rq.traceID = strings.ToLower(strings.ReplaceAll(rq.apnsID, "-", ""))
	}
	f := s.currentFaults()
	if a.status == 0 {
		a.verdict, a.after = s.requestFault(f, rq)
	}
	if f.Stall {
		a.delay = s.cfg.IdleTimeout
		a.verdict = verdict{status: 400, reason: "IdleTimeout", why: "injected stall: no answer until the idle timeout"}
		a.after = actIdle
	} else {
		a.delay = f.Latency
	}
	if a.status == 0 && s.cfg.Environment == "sandbox" {
		a.uniqueID = uuid.NewString()
	}
	s.emitReceived(rq)
	return a
}

// errorBody is Apple's JSON error body; 410 carries a millisecond timestamp.
func (s *Server) errorBody(status int, reason string) []byte {
	b := make([]byte, 0, 64)
	b = append(b, `{"reason":`...)
	b = strconv.AppendQuote(b, reason)
	if status == 410 {
		b = append(b, `,"timestamp":`...)
		b = strconv.AppendInt(b, s.now().UnixMilli(), 10)
	}
	return append(b, '}')
}

// settle emits the answer's event and delivers an accepted push. It runs
// when the answer is written.
func (s *Server) settle(rq *request, a answer) {
	d := time.Since(rq.start)
	if a.status != 0 {
		hint := a.hint
		if hint == "" {
			hint = apns.Hint(a.reason)
		}
		s.eventPush(rq, "rejected", rq.start, d, map[string]string{"status": strconv.Itoa(a.status), "reason": a.reason},
			&flow.Diagnosis{Stage: flow.StageAPNs, Code: flow.CodeAPNsRejected, Apple: a.reason,
				Detail: strconv.Itoa(a.status) + " " + a.reason + ": " + a.why, Hint: hint},
			&flow.PushRecord{Status: a.status, Reason: a.reason, ApnsID: a.apnsID})
		return
	}
	s.eventPush(rq, "accepted", rq.start, d, map[string]string{"status": "200"}, nil,
		&flow.PushRecord{Status: 200, ApnsID: a.apnsID, UniqueID: a.uniqueID})
	s.deliver(rq)
}

func (s *Server) event(rq *request, name string, at time.Time, d time.Duration, attrs map[string]string, diag *flow.Diagnosis) {
	s.eventPush(rq, name, at, d, attrs, diag, nil)
}

// eventPush is event with the push on record (Event.Push).
func (s *Server) eventPush(rq *request, name string, at time.Time, d time.Duration, attrs map[string]string, diag *flow.Diagnosis, push *flow.PushRecord) {
	if s.cfg.NoPushRecord {
		push = nil
	}
	s.sink.Emit(flow.Event{TraceID: rq.traceID, ApnsID: rq.apnsID, Stage: flow.StageAPNs, Name: name, Time: at,
		Duration: d, Attrs: attrs, Diagnosis: diag, Push: push})
}

// receivedAttrs names the attribute each recorded apns-* header goes under.
var receivedAttrs = [...]struct{ header, attr string }{
	{hPushType, "push_type"}, {hTopic, "topic"}, {hPriority, "priority"}, {hExpiration, "expiration"},
	{hCollapse, "collapse_id"}, {hID, "apns_id"},
}

// emitReceived records the request as APNs saw it: each apns-* header exactly
// as received, and only when it was sent, never a default the mock applied
// (no apns-priority is not "10"; the answer's apns-id is the event's). The
// authorization header is left out of the attributes: a JWT is a secret.
// The push itself (Event.Push) keeps every header as received, the JWT's
// header and claims only, and the payload as sent.
func (s *Server) emitReceived(rq *request) {
	attrs := map[string]string{"payload_bytes": strconv.Itoa(rq.size), "environment": s.cfg.Environment,
		"token": short(rq.token)}
	for _, h := range receivedAttrs {
		if v, ok := rq.hdr[h.header]; ok {
			attrs[h.attr] = v
		}
	}
	var p *flow.PushRecord
	if !s.cfg.NoPushRecord {
		p = pushRecord(rq)
	}
	s.eventPush(rq, "received", rq.start, 0, attrs, nil, p)
}

// pushRecord is the request as it crossed the wire. A body that is not
// JSON, or was cut at the size cap, is kept as a JSON string of what came.
func pushRecord(rq *request) *flow.PushRecord {
	p := &flow.PushRecord{Method: rq.method, Path: rq.path, Headers: make(map[string]string, len(rq.fields))}
	for _, f := range rq.fields {
		v := f.Value
		if f.Name == hAuth {
			v = flow.RedactAuthorization(v)
		}
		if old, ok := p.Headers[f.Name]; ok {
			v = old + ", " + v
		}
		p.Headers[f.Name] = v
	}
	switch {
	case len(rq.body) == 0:
	case rq.size == len(rq.body) && validJSON(rq.body):
		// The request's own body, which nothing writes to once the request
		// is handed over (h2server), shared as the pushed payload is: one
		// copy less of every push. No room past its end: an append copies.
		p.Payload = rq.body[:len(rq.body):len(rq.body)]
	default:
		p.Payload, _ = json.Marshal(string(rq.body))
	}
	return p
}

func traceIDOf(body []byte) string {
	if !bytes.Contains(body, []byte(`"traceparent"`)) {
		return "" // most pushes: skip decoding the JSON
	}
	tp, ok := traceParentOf(body)
	if !ok {
		var p struct {
			TraceParent string `json:"traceparent"`
		}
		if json.Unmarshal(body, &p) != nil {
			return ""
		}
		tp = p.TraceParent
	}
	if len(tp) == 55 && tp[2] == '-' && tp[35] == '-' {
		return tp[3:35]
	}
	return ""
}

// traceParentOf reads the top-level "traceparent" string as
// json.Unmarshal into a struct would, in the one pass of jsonscan.go: every
// push with a trace context passes here, and encoding/json spent most of it
// on the envelope's ciphertext. ok is false when encoding/json must decide
// (a name it might match otherwise, an escaped string).
func traceParentOf(body []byte) (tp string, ok bool) {
	valid, object, v, ok := members(body, "traceparent")
	switch {
	case !ok:
		return "", false
	case !valid || !object || v[0] == nil || string(v[0]) == "null":
		return "", true // invalid: json.Unmarshal fails; else no value
	case v[0][0] != '"':
		return "", true // not a string: json.Unmarshal fails
	case bytes.IndexByte(v[0], '\\') >= 0 || !ascii(v[0]):
		return "", false // escapes, or UTF-8 encoding/json might replace
	}
	return string(v[0][1 : len(v[0])-1]), true
}

func ascii(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

func short(token string) string {
	if len(token) <= 12 {
		return token
	}
	return token[:8] + "…" + token[len(token)-4:]
}
