package provider

import (
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/sideshow/apns2"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/transport/apns"
)

// handlePush turns one opaque envelope into one APNs alert push.
func (s *Server) handlePush(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	var req PushRequest
	if err := decodePush(r, &req); err != nil {
		writeJSON(w, http.StatusBadRequest, ErrorBody{Error: err.Error()})
		return
	}
	ev := flow.Event{TraceID: TraceID(req.TraceParent), Stage: flow.StageServer}
	emit := func(name string, at time.Time, d time.Duration, attrs map[string]string, diag *flow.Diagnosis) {
		e := ev
		e.Name, e.Time, e.Duration, e.Attrs, e.Diagnosis = name, at, d, attrs, diag
		s.sink.Emit(e)
	}
	emit("received", start, 0, map[string]string{
		"envelope_bytes": strconv.Itoa(len(req.Envelope)),
		"token":          short(req.Token),
	}, nil)

	dev, ok := s.device(req.Token)
	if !ok {
		msg := "no device registered with token " + short(req.Token)
		emit("rejected", time.Now(), 0, nil, &flow.Diagnosis{Stage: flow.StageServer, Code: flow.CodeServerRejected,
			Detail: msg, Hint: "the callee's app must register its APNs token with the provider first"})
		writeJSON(w, http.StatusNotFound, PushResult{Error: msg})
		return
	}
	body, exp, err := buildPayload(req.Envelope, req.TraceParent, s.Options, true) // decoded: valid JSON
	if err != nil {
		emit("rejected", time.Now(), 0, nil, &flow.Diagnosis{Stage: flow.StageServer, Code: flow.CodeServerRejected,
			Detail: err.Error(), Hint: "the envelope's cleartext header needs ts (Unix ms) and ttl (s)"})
		writeJSON(w, http.StatusBadRequest, PushResult{Error: err.Error()})
		return
	}
	n := &apns2.Notification{
		ApnsID:      uuid.NewString(),
		DeviceToken: dev.Token,
		Topic:       dev.Topic + s.Options.TopicSuffix,
		PushType:    apns2.PushTypeAlert,
		Priority:    apns2.PriorityHigh,
		Expiration:  exp,
		Payload:     body,
	}
	if s.Options.PushType != "" {
		n.PushType = apns2.EPushType(s.Options.PushType)
	}
	if s.Options.Priority != 0 {
		n.Priority = s.Options.Priority
	}
	if s.Options.ExpirationZero {
		// apns2 sends the header only for times after the epoch: one
		// nanosecond after it is still second 0.
		exp = time.Unix(0, 1)
		n.Expiration = exp
	}
	ev.ApnsID = n.ApnsID
	built := time.Now()
	emit("built", start, built.Sub(start), map[string]string{
		"apns-push-type":  string(n.PushType),
		"apns-priority":   strconv.Itoa(n.Priority),
		"apns-topic":      n.Topic,
		"apns-expiration": strconv.FormatInt(exp.Unix(), 10),
		"payload_bytes":   strconv.Itoa(len(body)),
		"environment":     dev.Environment,
	}, nil)

	res, err := s.apns.PushWithContext(r.Context(), n)
	rtt := time.Since(built)
	if err != nil {
		d := &flow.Diagnosis{Stage: flow.StageServer, Code: flow.CodeServerFailed,
			Detail: "push to APNs failed: " + err.Error(), Hint: "check the APNs host, TLS trust and network; apns2 retries GOAWAYs silently"}
		emit("apns-error", built, rtt, nil, d)
		writeJSON(w, http.StatusBadGateway, PushResult{ApnsID: n.ApnsID, Error: d.Detail, Payload: len(body), APNsTime: rtt.Microseconds()})
		return
	}
	out := PushResult{ApnsID: res.ApnsID, Status: res.StatusCode, Reason: res.Reason, Payload: len(body), APNsTime: rtt.Microseconds()}
	if out.ApnsID == "" {
		out.ApnsID = n.ApnsID
	}
	if !res.Timestamp.IsZero() {
		out.Timestamp = res.Timestamp.Time
	}
	attrs := map[string]string{"status": strconv.Itoa(res.StatusCode), "apns-id": out.ApnsID}
	if res.ApnsUniqueID != "" {
		attrs["apns-unique-id"] = res.ApnsUniqueID
	}
	if res.Sent() {
		emit("apns-accepted", built, rtt, attrs, nil)
		writeResult(w, http.StatusOK, out)
		return
	}
	attrs["reason"] = res.Reason
	emit("apns-rejected", built, rtt, attrs, RejectDiagnosis(res.StatusCode, res.Reason))
	writeResult(w, http.StatusBadGateway, out)
}

// RejectDiagnosis describes an APNs error answer.
func RejectDiagnosis(status int, reason string) *flow.Diagnosis {
	return &flow.Diagnosis{
		Stage:  flow.StageAPNs,
		Code:   flow.CodeAPNsRejected,
		Apple:  reason,
		Detail: "APNs answered " + strconv.Itoa(status) + " " + reason,
		Hint:   apns.Hint(reason),
	}
}

// short shortens a device token for display; tokens are not secret but long.
func short(token string) string {
	if len(token) <= 12 {
		return token
	}
	return token[:8] + "…" + token[len(token)-4:]
}

// writeResult answers a push with what writeJSON writes for r, built
// without reflection when every string is one json.Encoder writes as it is
// and there is no 410 timestamp: every call's answer is one.
func writeResult(w http.ResponseWriter, status int, r PushResult) {
	if !r.Timestamp.IsZero() || !plainString(r.ApnsID) || !plainString(r.Reason) || !plainString(r.Error) {
		writeJSON(w, status, r)
		return
	}
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(status)
	_, _ = w.Write(r.appendJSON(make([]byte, 0, 128)))
}

// appendJSON is json.Encoder.Encode's output for r without a timestamp:
// the fields in order, empty ones left out as omitempty says, a newline.
func (r PushResult) appendJSON(b []byte) []byte {
	b = append(b, '{')
	if r.ApnsID != "" {
		b = append(b, `"apns_id":"`...)
		b = append(b, r.ApnsID...)
		b = append(b, `",`...)
	}
	b = append(b, `"status":`...)
	b = strconv.AppendInt(b, int64(r.Status), 10)
	if r.Reason != "" {
		b = append(b, `,"reason":"`...)
		b = append(b, r.Reason...)
		b = append(b, '"')
	}
	if r.Error != "" {
		b = append(b, `,"error":"`...)
		b = append(b, r.Error...)
		b = append(b, '"')
	}
	if r.Payload != 0 {
		b = append(b, `,"payload_bytes":`...)
		b = strconv.AppendInt(b, int64(r.Payload), 10)
	}
	if r.APNsTime != 0 {
		b = append(b, `,"apns_rtt_us":`...)
		b = strconv.AppendInt(b, r.APNsTime, 10)
	}
	return append(b, "}\n"...)
}
