package apnsmock

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/transport/apns"
)

// pushTypes maps each of Apple's 11 push types to its topic suffix.
var pushTypes = map[string]string{
	"alert": "", "background": "", "voip": ".voip", "complication": ".complication",
	"fileprovider": ".pushkit.fileprovider", "mdm": "", "location": ".location-query",
	"liveactivity": ".push-type.liveactivity", "pushtotalk": ".voip-ptt",
	"widgets": ".push-type.widgets", "controls": ".push-type.controls",
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// Payload size limits (apns.md §4.1).
const (
	maxPayload     = 4096
	maxVoIPPayload = 5120
)

// request is what the handler learned of one push, for events.
type request struct {
	start      time.Time
	apnsID     string
	traceID    string
	token      string
	topic      string
	pushType   string
	priority   int
	expiration time.Time
	collapseID string
	body       []byte
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rq := &request{start: time.Now(), apnsID: r.Header.Get("apns-id")}
	if !uuidRE.MatchString(rq.apnsID) {
		rq.apnsID = uuid.NewString()
	}
	status, reason, why := s.validate(r, rq)
	if s.cfg.Faults.Latency > 0 {
		time.Sleep(s.cfg.Faults.Latency)
	}
	s.emitReceived(rq)
	h := w.Header()
	h["Date"] = nil
	h.Set("apns-id", rq.apnsID)
	if status != 0 {
		s.reject(w, rq, status, reason, why)
		return
	}
	if s.cfg.Environment == "sandbox" {
		h.Set("apns-unique-id", uuid.NewString())
	}
	w.WriteHeader(http.StatusOK)
	s.event(rq, "accepted", rq.start, time.Since(rq.start), map[string]string{"status": "200"}, nil)
	s.lint(rq)
	s.deliver(rq)
}

// validate applies APNs' checks in the order of apns.md §11. The request
// proceeds when status is 0.
func (s *Server) validate(r *http.Request, rq *request) (status int, reason, why string) {
	if r.Method != http.MethodPost {
		return 405, "MethodNotAllowed", r.Method + " is not POST"
	}
	path := r.URL.EscapedPath()
	if !strings.HasPrefix(path, "/3/device/") {
		return 404, "BadPath", "the path must be /3/device/<token>"
	}
	rq.token = strings.TrimPrefix(path, "/3/device/")
	if rq.token == "" {
		return 400, "MissingDeviceToken", "no device token in the path"
	}
	for k, v := range r.Header {
		lk := strings.ToLower(k)
		if len(v) > 1 && (strings.HasPrefix(lk, "apns-") || lk == "authorization") {
			return 400, "DuplicateHeaders", "header " + lk + " was sent " + strconv.Itoa(len(v)) + " times"
		}
	}
	rq.topic = r.Header.Get("apns-topic")
	rq.pushType = r.Header.Get("apns-push-type")
	if rq.pushType == "" {
		rq.pushType = "alert"
	}
	suffix := pushTypes[rq.pushType]
	c, _ := r.Context().Value(connKey{}).(*conn)
	if st, rs, w := s.authorize(c, r.Header.Get("authorization"), strings.TrimSuffix(rq.topic, suffix)); st != 0 {
		return st, rs, w
	}
	if id := r.Header.Get("apns-id"); id != "" && !uuidRE.MatchString(id) {
		return 400, "BadMessageId", "apns-id " + strconv.Quote(id) + " is not a UUID"
	}
	if e := r.Header.Get("apns-expiration"); e != "" {
		n, err := strconv.ParseInt(e, 10, 64)
		if err != nil || n < 0 {
			return 400, "BadExpirationDate", "apns-expiration " + strconv.Quote(e) + " is not UNIX seconds"
		}
		rq.expiration = time.Unix(n, 0)
	}
	rq.priority = 10
	if p := r.Header.Get("apns-priority"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || (n != 1 && n != 5 && n != 10) {
			return 400, "BadPriority", "apns-priority " + strconv.Quote(p) + ": want 10, 5 or 1"
		}
		rq.priority = n
	}
	if rq.collapseID = r.Header.Get("apns-collapse-id"); len(rq.collapseID) > 64 {
		return 400, "BadCollapseId", "apns-collapse-id is " + strconv.Itoa(len(rq.collapseID)) + " bytes, over 64"
	}
	if _, ok := pushTypes[rq.pushType]; !ok {
		return 400, "InvalidPushType", "apns-push-type " + strconv.Quote(rq.pushType) + " is not one of Apple's"
	}
	if rq.pushType == "background" && rq.priority == 10 {
		return 400, "BadPriority", "background pushes must use apns-priority 5"
	}
	if rq.topic == "" {
		return 400, "MissingTopic", "token auth needs apns-topic"
	}
	if suffix != "" && !strings.HasSuffix(rq.topic, suffix) || suffix == "" && s.hasOtherSuffix(rq.topic) {
		return 400, "InvalidPushType", "apns-push-type " + rq.pushType + " does not match topic " + rq.topic
	}
	if !s.topics[strings.TrimSuffix(rq.topic, suffix)] {
		return 400, "TopicDisallowed", "topic " + rq.topic + " is not one of this team's apps"
	}
	if !validToken(rq.token) {
		return 400, "BadDeviceToken", "device token is not even-length hex"
	}
	tok := strings.ToLower(rq.token)
	if !s.unreg[tok] && !s.devices[tok] && !(len(s.devices) == 0 && s.cfg.AnyDevice) {
		return 400, "BadDeviceToken", "no device with this token in the " + s.cfg.Environment + " environment"
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxVoIPPayload+1))
	if err != nil {
		return 400, "PayloadEmpty", "reading the body: " + err.Error()
	}
	rq.body = body
	rq.traceID = traceIDOf(body)
	limit := maxPayload
	if rq.pushType == "voip" {
		limit = maxVoIPPayload
	}
	switch {
	case len(body) == 0:
		return 400, "PayloadEmpty", "the body is empty"
	case len(body) > limit:
		return 413, "PayloadTooLarge", "payload is over " + strconv.Itoa(limit) + " bytes"
	}
	if s.unreg[tok] {
		return 410, "Unregistered", "the device token is no longer active for the topic"
	}
	return 0, "", ""
}

func (s *Server) hasOtherSuffix(topic string) bool {
	for _, suf := range pushTypes {
		if suf != "" && strings.HasSuffix(topic, suf) {
			return true
		}
	}
	return false
}

// reject answers Apple's JSON error body; 410 carries a millisecond timestamp.
func (s *Server) reject(w http.ResponseWriter, rq *request, status int, reason, why string) {
	body := map[string]any{"reason": reason}
	if status == 410 {
		body["timestamp"] = s.now().UnixMilli()
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
	s.event(rq, "rejected", rq.start, time.Since(rq.start), map[string]string{"status": strconv.Itoa(status), "reason": reason},
		&flow.Diagnosis{Stage: flow.StageAPNs, Code: flow.CodeAPNsRejected, Apple: reason,
			Detail: strconv.Itoa(status) + " " + reason + ": " + why, Hint: apns.Hint(reason)})
}

func (s *Server) event(rq *request, name string, at time.Time, d time.Duration, attrs map[string]string, diag *flow.Diagnosis) {
	s.sink.Emit(flow.Event{TraceID: rq.traceID, ApnsID: rq.apnsID, Stage: flow.StageAPNs, Name: name, Time: at,
		Duration: d, Attrs: attrs, Diagnosis: diag})
}

func (s *Server) emitReceived(rq *request) {
	attrs := map[string]string{"push_type": rq.pushType, "topic": rq.topic, "priority": strconv.Itoa(rq.priority),
		"payload_bytes": strconv.Itoa(len(rq.body)), "environment": s.cfg.Environment, "token": short(rq.token)}
	if !rq.expiration.IsZero() {
		attrs["expiration"] = strconv.FormatInt(rq.expiration.Unix(), 10)
	}
	if rq.collapseID != "" {
		attrs["collapse_id"] = rq.collapseID
	}
	s.event(rq, "received", rq.start, 0, attrs, nil)
}

// lint notes, without rejecting (APNs accepts it), a push that iOS will not
// hand to a Notification Service Extension.
func (s *Server) lint(rq *request) {
	if rq.pushType != "alert" {
		return
	}
	var p struct {
		APS struct {
			Alert          json.RawMessage `json:"alert"`
			MutableContent int             `json:"mutable-content"`
		} `json:"aps"`
	}
	if json.Unmarshal(rq.body, &p) != nil {
		return
	}
	var a struct{ Title, Subtitle, Body string }
	hasText := json.Unmarshal(p.APS.Alert, &a) == nil && (a.Title != "" || a.Subtitle != "" || a.Body != "")
	switch {
	case p.APS.MutableContent != 1:
		s.event(rq, "nse-lint", time.Now(), 0, map[string]string{"mutable-content": "missing", "note": "NSE not run: no mutable-content"}, nil)
	case !hasText:
		s.event(rq, "nse-lint", time.Now(), 0, map[string]string{"alert": "no title, subtitle or body", "note": "NSE not run: no alert text"}, nil)
	}
}

func traceIDOf(body []byte) string {
	var p struct {
		TraceParent string `json:"traceparent"`
	}
	if json.Unmarshal(body, &p) != nil {
		return ""
	}
	tp := p.TraceParent
	if len(tp) == 55 && tp[2] == '-' && tp[35] == '-' {
		return tp[3:35]
	}
	return ""
}

func short(token string) string {
	if len(token) <= 12 {
		return token
	}
	return token[:8] + "…" + token[len(token)-4:]
}
