package apns

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// PushType is one of Apple's apns-push-type values and the suffix its
// apns-topic carries ("Sending notification requests to APNs";
// docs/apns-rules.md#push-types).
type PushType struct {
	Name   string
	Suffix string // "" for alert and background: the bare bundle id
	// TokenOnly types need token authentication (docs/apns-rules.md).
	TokenOnly bool
}

// PushTypes are Apple's eleven push types, in Apple's order.
var PushTypes = []PushType{
	{Name: "alert"}, {Name: "background"},
	{Name: "location", Suffix: ".location-query", TokenOnly: true},
	{Name: "voip", Suffix: ".voip"},
	{Name: "complication", Suffix: ".complication"},
	{Name: "fileprovider", Suffix: ".pushkit.fileprovider"},
	{Name: "mdm"},
	{Name: "liveactivity", Suffix: ".push-type.liveactivity", TokenOnly: true},
	{Name: "pushtotalk", Suffix: ".voip-ptt"},
	{Name: "widgets", Suffix: ".push-type.widgets"},
	{Name: "controls", Suffix: ".push-type.controls"},
}

// LookupPushType finds a push type by its apns-push-type name.
func LookupPushType(name string) (PushType, bool) {
	for _, t := range PushTypes {
		if t.Name == name {
			return t, true
		}
	}
	return PushType{}, false
}

// PushTypeNames lists the names for help and errors.
func PushTypeNames() string {
	names := make([]string, len(PushTypes))
	for i, t := range PushTypes {
		names[i] = t.Name
	}
	return strings.Join(names, "|")
}

// BaseTopic is the bundle id under a topic: the push type's suffix removed.
func BaseTopic(topic string) string {
	// Longest suffixes first, so ".voip-ptt" is not read as ".voip".
	for _, s := range []string{".push-type.liveactivity", ".push-type.widgets", ".push-type.controls",
		".pushkit.fileprovider", ".location-query", ".complication", ".voip-ptt", ".voip"} {
		if t, ok := strings.CutSuffix(topic, s); ok {
			return t
		}
	}
	return topic
}

// Payload limits: 5120 bytes for voip, 4096 for every other type (Apple,
// "Generating a remote notification").
const (
	MaxPayload     = 4096
	MaxVoIPPayload = 5120
)

// PayloadLimit is the body limit for a push type.
func PayloadLimit(pushType string) int {
	if pushType == "voip" {
		return MaxVoIPPayload
	}
	return MaxPayload
}

// Header is one request header, in the order it is listed.
type Header struct{ Name, Value string }

// Request is one push exactly as it goes on the wire: what --dry-run prints
// is what Send sends. Empty optional fields are not sent (an Expiration of
// "0" is: deliver once or never, which apns2 cannot send).
type Request struct {
	Host        string // base URL, e.g. https://api.sandbox.push.apple.com
	DeviceToken string // hex
	Topic       string
	PushType    string
	Priority    string
	Expiration  string // UNIX seconds
	CollapseID  string
	ApnsID      string
	Payload     []byte
	// Extra headers (--header) are sent as given, unchecked, so that any
	// answer of Apple's can be reproduced; one with the name of a header
	// above replaces it.
	Extra []Header
}

// Path is the request's :path.
func (r *Request) Path() string { return "/3/device/" + r.DeviceToken }

// Authority is the :authority, host and port as the URL gives them.
func (r *Request) Authority() string {
	u, err := url.Parse(r.Host)
	if err != nil {
		return r.Host
	}
	return u.Host
}

// Headers lists the request's regular headers in the order they are
// printed; authorization first when it is given. HTTP/2 gives header order
// no meaning (Go's transport sends them in map order).
func (r *Request) Headers(authorization string) []Header {
	var hs []Header
	add := func(name, v string) {
		if v != "" {
			hs = append(hs, Header{name, v})
		}
	}
	add("authorization", authorization)
	add("apns-push-type", r.PushType)
	add("apns-topic", r.Topic)
	add("apns-priority", r.Priority)
	add("apns-expiration", r.Expiration)
	add("apns-collapse-id", r.CollapseID)
	add("apns-id", r.ApnsID)
	add("content-type", "application/json")
	for _, x := range r.Extra {
		name := strings.ToLower(x.Name)
		replaced := false
		for i := range hs {
			if hs[i].Name == name {
				hs[i].Value, replaced = x.Value, true
			}
		}
		if !replaced {
			hs = append(hs, Header{name, x.Value})
		}
	}
	return hs
}

// HTTP builds the net/http request; authorization is "" on a certificate
// connection.
func (r *Request) HTTP(ctx context.Context, authorization string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.Host+r.Path(), bytes.NewReader(r.Payload))
	if err != nil {
		return nil, err
	}
	for _, h := range r.Headers(authorization) {
		req.Header[h.Name] = []string{h.Value} // lower-case as sent: no canonicalising
	}
	return req, nil
}

// FieldError is a request field that APNs would refuse, caught before
// sending. Field is the request part (device-token, topic, push-type,
// priority, expiration, collapse-id, apns-id, payload, header).
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// Validate catches before sending what APNs is known to refuse: each error
// names the field and the reason APNs would give.
func (r *Request) Validate() error {
	bad := func(field, format string, a ...any) error {
		return &FieldError{Field: field, Msg: fmt.Sprintf(format, a...)}
	}
	if r.DeviceToken == "" {
		return bad("device-token", "missing (APNs: MissingDeviceToken)")
	}
	if _, err := hex.DecodeString(r.DeviceToken); err != nil || len(r.DeviceToken)%2 != 0 {
		return bad("device-token", "%q is not an even-length hex string, as iOS hands tokens to the app (APNs: BadDeviceToken)", short(r.DeviceToken))
	}
	pt, ok := LookupPushType(r.PushType)
	if !ok {
		return bad("push-type", "%q is not one of Apple's: %s (APNs: InvalidPushType)", r.PushType, PushTypeNames())
	}
	if err := checkTopic(r.Topic, pt); err != nil {
		return bad("topic", "%v", err)
	}
	switch r.Priority {
	case "", "10", "5", "1":
	default:
		return bad("priority", "%q: want 10, 5 or 1 (APNs: BadPriority)", r.Priority)
	}
	if pt.Name == "background" && (r.Priority == "" || r.Priority == "10") {
		return bad("priority", "a background push must have priority 5 (Apple calls 10 an error; APNs: BadPriority)")
	}
	if r.Expiration != "" {
		if n, err := strconv.ParseInt(r.Expiration, 10, 64); err != nil || n < 0 {
			return bad("expiration", "%q: want UNIX seconds, or 0 for deliver-once (APNs: BadExpirationDate)", r.Expiration)
		}
	}
	if len(r.CollapseID) > 64 {
		return bad("collapse-id", "%d bytes: at most 64 (APNs: BadCollapseId)", len(r.CollapseID))
	}
	if r.ApnsID != "" && !uuidRE.MatchString(r.ApnsID) {
		return bad("apns-id", "%q is not a UUID (APNs: BadMessageId)", r.ApnsID)
	}
	if err := checkPayload(r.Payload, pt.Name); err != nil {
		return bad("payload", "%v", err)
	}
	for _, h := range r.Extra {
		switch n := strings.ToLower(h.Name); {
		case n == "" || strings.HasPrefix(n, ":") || strings.ContainsAny(n, " \t\r\n"):
			return bad("header", "%q is not a header name (pseudo-headers are set by callscope)", h.Name)
		case n == "authorization" || n == "host" || n == "content-length" || n == "te" || n == "connection":
			return bad("header", "%s is set by callscope and the HTTP/2 transport", n)
		}
	}
	return nil
}

func checkTopic(topic string, pt PushType) error {
	if topic == "" {
		return fmt.Errorf("missing: APNs needs apns-topic with token auth and with a certificate for several topics (APNs: MissingTopic)")
	}
	if strings.ContainsAny(topic, " \t/") {
		return fmt.Errorf("%q is not a bundle id (APNs: BadTopic)", topic)
	}
	if pt.Name == "mdm" {
		return nil // the MDM certificate's UID, no suffix
	}
	base := BaseTopic(topic)
	if pt.Suffix == "" {
		if base != topic {
			return fmt.Errorf("%q carries the suffix %q, but a %s push goes to the bare bundle id %s (APNs: InvalidPushType or TopicDisallowed)",
				topic, strings.TrimPrefix(topic, base), pt.Name, base)
		}
		return nil
	}
	if !strings.HasSuffix(topic, pt.Suffix) || base+pt.Suffix != topic {
		return fmt.Errorf("%q: a %s push goes to the bundle id plus %q, e.g. %s%s (APNs: InvalidPushType)",
			topic, pt.Name, pt.Suffix, base, pt.Suffix)
	}
	return nil
}

func checkPayload(b []byte, pushType string) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return fmt.Errorf("empty (APNs: PayloadEmpty)")
	}
	if limit := PayloadLimit(pushType); len(b) > limit {
		return fmt.Errorf("%d bytes: over the %d-byte limit for %s pushes (APNs: 413 PayloadTooLarge)", len(b), limit, pushType)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		var se *json.SyntaxError
		if ok := asSyntax(err, &se); ok {
			line, col := position(b, se.Offset)
			return fmt.Errorf("not valid JSON at line %d, column %d: %v", line, col, err)
		}
		return fmt.Errorf("not a JSON object: %v", err)
	}
	if _, ok := obj["aps"]; !ok && pushType != "mdm" {
		return fmt.Errorf("no \"aps\" dictionary: iOS shows nothing for it")
	}
	return nil
}

func asSyntax(err error, se **json.SyntaxError) bool {
	s, ok := err.(*json.SyntaxError)
	if ok {
		*se = s
	}
	return ok
}

// position turns a SyntaxError's offset, the bytes read up to and including
// the bad one, into the bad byte's 1-based line and column.
func position(b []byte, off int64) (line, col int) {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	before := b[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = max(int(off)-bytes.LastIndexByte(before, '\n')-1, 1)
	return line, col
}

// short cuts a long token for an error line; tokens are not secret but long.
func short(s string) string {
	if len(s) <= 24 {
		return s
	}
	return s[:16] + "…" + s[len(s)-4:]
}
