package apnsmock

import (
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http2/hpack"

	"github.com/callscope/callscope/internal/uuidtext"
)

// pushTypes maps each of Apple's 11 push types to its topic suffix.
var pushTypes = map[string]string{
	"alert": "", "background": "", "voip": ".voip", "complication": ".complication",
	"fileprovider": ".pushkit.fileprovider", "mdm": "", "location": ".location-query",
	"liveactivity": ".push-type.liveactivity", "pushtotalk": ".voip-ptt",
	"widgets": ".push-type.widgets", "controls": ".push-type.controls",
}

// Payload size limits (docs/apns-rules.md#size-limits).
const (
	maxPayload     = 4096
	maxVoIPPayload = 5120
)

// request is one push as the connection read it, and what validation learned.
type request struct {
	start  time.Time
	method string
	path   string
	fields []hpack.HeaderField // regular header fields, in order
	body   []byte              // at most maxVoIPPayload+1 bytes
	size   int                 // body bytes received (may exceed len(body))

	apnsID     string // echoed, or generated
	sentID     string // as the client sent it
	auth       string
	traceID    string
	token      string
	topic      string
	pushType   string
	priority   int
	expiration time.Time
	collapseID string
	keyTopics  []string          // a topic-specific key's bundle ids
	hdr        map[string]string // the apns-* headers as received, for events
	dup        string            // a header sent more than once
}

// verdict is an answer: zero status lets the request proceed.
type verdict struct {
	status       int
	reason, why  string
	hint         string // "" = the reason's general hint (apns.Hint)
	unauthorized bool   // auth failed: the connection stays at one stream
}

// header names validate reads.
const (
	hAuth       = "authorization"
	hID         = "apns-id"
	hExpiration = "apns-expiration"
	hPriority   = "apns-priority"
	hTopic      = "apns-topic"
	hCollapse   = "apns-collapse-id"
	hPushType   = "apns-push-type"
)

// readHeaders picks the headers APNs reads, as received, and finds a
// repeated one; a repeated apns-* header keeps every value, joined with ", "
// as HTTP joins them, so that the record shows what came.
func (rq *request) readHeaders() {
	for i, f := range rq.fields {
		// cookie is the one field HTTP/2 lets a client split (RFC 9113 §8.2.3).
		if rq.dup == "" && f.Name != "cookie" {
			for _, g := range rq.fields[:i] {
				if g.Name == f.Name {
					rq.dup = f.Name
					break
				}
			}
		}
		switch f.Name {
		case hAuth:
			rq.auth = f.Value
		case hID, hExpiration, hPriority, hTopic, hCollapse, hPushType:
			if rq.hdr == nil {
				rq.hdr = map[string]string{}
			}
			if old, ok := rq.hdr[f.Name]; ok {
				rq.hdr[f.Name] = old + ", " + f.Value
			} else {
				rq.hdr[f.Name] = f.Value
			}
		}
	}
	if id, ok := rq.hdr[hID]; ok && rq.dup != hID {
		rq.sentID = id
	}
}

// validate applies APNs' checks in the order of docs/apns-rules.md#check-order, steps 2 to 8.
// It may change c (token binding), which is the point: APNs' token state is
// per connection.
func (s *Server) validate(c *connAuth, rq *request) verdict {
	if rq.method != "POST" {
		return verdict{status: 405, reason: "MethodNotAllowed", why: quoteShort(rq.method) + " is not POST"}
	}
	token, ok := strings.CutPrefix(rq.path, "/3/device/")
	if !ok {
		return verdict{status: 404, reason: "BadPath", why: "the path " + quoteShort(rq.path) + " is not /3/device/<token>"}
	}
	rq.token = token
	if token == "" {
		return verdict{status: 400, reason: "MissingDeviceToken", why: "no device token in the path"}
	}
	if rq.dup != "" {
		return verdict{status: 400, reason: "DuplicateHeaders", why: "header " + quoteShort(rq.dup) + " was sent more than once"}
	}
	rq.topic = rq.hdr[hTopic]
	rq.pushType = rq.hdr[hPushType]
	if rq.pushType == "" {
		rq.pushType = "alert"
	}
	suffix := pushTypes[rq.pushType]
	if c.cert != nil {
		if v := s.authorizeCert(c.cert, rq); v.status != 0 {
			return v
		}
	} else {
		v, k := s.authorizeToken(c, rq.auth)
		if v.status != 0 {
			v.unauthorized = !c.authed
			return v
		}
		rq.keyTopics = k.Topics
	}
	if v := s.validateHeaders(rq, suffix); v.status != 0 {
		return v
	}
	if v := s.validateToken(rq); v.status != 0 {
		return v
	}
	limit := maxPayload
	if rq.pushType == "voip" {
		limit = maxVoIPPayload
	}
	switch {
	case rq.size == 0:
		return verdict{status: 400, reason: "PayloadEmpty", why: "the body is empty"}
	case rq.size > limit:
		return verdict{status: 413, reason: "PayloadTooLarge", why: "payload is over " + strconv.Itoa(limit) + " bytes for " + rq.pushType}
	}
	if r, gone := s.gone[strings.ToLower(rq.token)]; gone {
		return verdict{status: 410, reason: r, why: "the device token is no longer active for the topic"}
	}
	return verdict{}
}

// validateHeaders is step 5 of docs/apns-rules.md#check-order.
func (s *Server) validateHeaders(rq *request, suffix string) verdict {
	if rq.sentID != "" && !uuidtext.Valid(rq.sentID) {
		return verdict{status: 400, reason: "BadMessageId", why: "apns-id " + quoteShort(rq.sentID) + " is not a UUID"}
	}
	if e, ok := rq.hdr[hExpiration]; ok {
		n, err := strconv.ParseInt(e, 10, 64)
		if err != nil || n < 0 {
			return verdict{status: 400, reason: "BadExpirationDate", why: "apns-expiration " + quoteShort(e) + " is not UNIX seconds"}
		}
		rq.expiration = time.Unix(n, 0)
	}
	rq.priority = 10
	if p, ok := rq.hdr[hPriority]; ok {
		n, err := strconv.Atoi(p)
		if err != nil || (n != 1 && n != 5 && n != 10) {
			return verdict{status: 400, reason: "BadPriority", why: "apns-priority " + quoteShort(p) + ": want 10, 5 or 1"}
		}
		rq.priority = n
	}
	if rq.collapseID = rq.hdr[hCollapse]; len(rq.collapseID) > 64 {
		return verdict{status: 400, reason: "BadCollapseId", why: "apns-collapse-id is " + strconv.Itoa(len(rq.collapseID)) + " bytes, over 64"}
	}
	if _, ok := pushTypes[rq.pushType]; !ok {
		return verdict{status: 400, reason: "InvalidPushType", why: "apns-push-type " + quoteShort(rq.pushType) + " is not one of Apple's"}
	}
	if rq.pushType == "background" && rq.priority == 10 {
		// Apple: priority 10 for a push with only content-available "is an
		// error"; it names no reason, BadPriority is the nearest. The general
		// hint (10, 5 or 1) would contradict the detail, so this one has its own.
		why := "apns-priority 10 on a background push: Apple calls 10 an error for a background push"
		if _, sent := rq.hdr[hPriority]; !sent {
			why = "no apns-priority, so 10, on a background push: Apple calls 10 an error for a background push"
		}
		return verdict{status: 400, reason: "BadPriority", why: why,
			hint: "send background pushes with apns-priority 5, as Apple asks; 10 is for pushes that alert, sound or badge"}
	}
	if rq.topic == "" {
		return verdict{status: 400, reason: "MissingTopic", why: "token auth needs apns-topic"}
	}
	if suffix != "" && !strings.HasSuffix(rq.topic, suffix) || suffix == "" && hasPushSuffix(rq.topic) {
		return verdict{status: 400, reason: "InvalidPushType", why: "apns-push-type " + rq.pushType + " does not match topic " + quoteShort(rq.topic)}
	}
	base := strings.TrimSuffix(rq.topic, suffix)
	if !s.topics[base] {
		return verdict{status: 400, reason: "TopicDisallowed", why: "topic " + quoteShort(rq.topic) + " is not one of this team's apps"}
	}
	if rq.keyTopics != nil && !contains(rq.keyTopics, base) {
		return verdict{status: 400, reason: "TopicDisallowed", why: "the topic-specific key may not push to " + quoteShort(base),
			hint: "sign with a key for " + base + " (on another connection) or add the topic to the key"}
	}
	return verdict{}
}

// validateToken is step 6 of docs/apns-rules.md#check-order: any even-length hex is well formed; a token
// the mock does not know is another environment's (BadDeviceToken).
func (s *Server) validateToken(rq *request) verdict {
	if !validToken(rq.token) {
		return verdict{status: 400, reason: "BadDeviceToken", why: "device token is not even-length hex"}
	}
	tok := strings.ToLower(rq.token)
	if _, gone := s.gone[tok]; gone {
		return verdict{}
	}
	kind, topics, known := s.deviceKind(tok)
	bundle := strings.TrimSuffix(rq.topic, pushTypes[rq.pushType])
	switch {
	case !known && (len(s.devices) > 0 || !s.cfg.AnyDevice):
		why := "no device with this token in the " + s.cfg.Environment + " environment"
		if n, limit := s.links.forgotten(); n > 0 {
			why += " (or one the mock forgot: it remembers the latest " + strconv.Itoa(limit) +
				" devices that linked and left, and forgot " + strconv.Itoa(n) + ")"
		}
		return verdict{status: 400, reason: "BadDeviceToken", why: why}
	case len(topics) > 0 && !contains(topics, bundle):
		return verdict{status: 400, reason: "DeviceTokenNotForTopic", why: "the token's device linked for " + strings.Join(topics, ", ") + ", not " + quoteShort(bundle),
			hint: "a device token belongs to one app: push to it on its app's topic, or use the token the app for " + bundle + " registered"}
	case kind == kindRegular && rq.pushType == "voip":
		return verdict{status: 400, reason: "DeviceTokenNotForTopic", why: "a regular APNs token on the .voip topic: VoIP pushes need the PushKit token"}
	case kind == kindVoIP && rq.pushType != "voip":
		return verdict{status: 400, reason: "TopicDisallowed", why: "a PushKit VoIP token on topic " + quoteShort(rq.topic)}
	}
	return verdict{}
}

func hasPushSuffix(topic string) bool {
	for _, suf := range pushTypes {
		if suf != "" && strings.HasSuffix(topic, suf) {
			return true
		}
	}
	return false
}

func rej(status int, reason, why string) verdict {
	return verdict{status: status, reason: reason, why: why}
}
