package providerclient

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
)

// Values are what a request's placeholders stand for.
type Values struct {
	// The recipient, as the device registered.
	Token       string // APNs device token, hex
	Device      string // the device's name
	User        string // the user it belongs to
	Topic       string // the app's bundle id
	Environment string // sandbox or production
	Scheme      string // envelope scheme
	KID         string // key id, base64url
	PublicKey   string // base64url
	// The push (send only).
	Envelope    json.RawMessage // the sealed envelope, a JSON object
	PushType    string          // apns-push-type the path needs: alert
	Priority    int             // apns-priority: 10
	Expiration  int64           // the envelope's ts + ttl, Unix seconds
	TraceID     string          // 32 hex digits
	TraceParent string          // W3C traceparent carrying TraceID
}

// kind says how a value is written where a JSON value of its own stands.
type kind int

const (
	kString kind = iota // a JSON string
	kNumber             // a bare JSON number
	kJSON               // raw JSON (the envelope object)
)

type placeholder struct {
	kind kind
	send bool // known only when sending an envelope
	help string
	get  func(v *Values) string
}

// placeholders are every name a template may use, besides env:NAME.
var placeholders = map[string]placeholder{
	"token":       {help: "the device's APNs token (hex)", get: func(v *Values) string { return v.Token }},
	"device":      {help: "the device's name", get: func(v *Values) string { return v.Device }},
	"user":        {help: "the user the device belongs to", get: func(v *Values) string { return v.User }},
	"topic":       {help: "the app's bundle id (apns-topic)", get: func(v *Values) string { return v.Topic }},
	"environment": {help: "sandbox or production", get: func(v *Values) string { return v.Environment }},
	"scheme":      {help: "the envelope scheme the device's key is for", get: func(v *Values) string { return v.Scheme }},
	"kid":         {help: "the device key's id, base64url", get: func(v *Values) string { return v.KID }},
	"public_key":  {help: "the device's public key, base64url", get: func(v *Values) string { return v.PublicKey }},
	"envelope": {kind: kJSON, send: true, help: "the envelope as a JSON object (a JSON string when inside quotes)",
		get: func(v *Values) string { return string(v.Envelope) }},
	"envelope_base64": {send: true, help: "the envelope's JSON, standard base64",
		get: func(v *Values) string { return base64.StdEncoding.EncodeToString(v.Envelope) }},
	"envelope_base64url": {send: true, help: "the envelope's JSON, unpadded base64url",
		get: func(v *Values) string { return base64.RawURLEncoding.EncodeToString(v.Envelope) }},
	"push_type": {send: true, help: "apns-push-type (alert)", get: func(v *Values) string { return v.PushType }},
	"priority": {kind: kNumber, send: true, help: "apns-priority (10)",
		get: func(v *Values) string { return strconv.Itoa(v.Priority) }},
	"expiration": {kind: kNumber, send: true, help: "apns-expiration: the envelope's ts + ttl, Unix seconds",
		get: func(v *Values) string { return strconv.FormatInt(v.Expiration, 10) }},
	"trace_id":    {send: true, help: "callscope's trace id, 32 hex digits", get: func(v *Values) string { return v.TraceID }},
	"traceparent": {send: true, help: "W3C traceparent carrying the trace id", get: func(v *Values) string { return v.TraceParent }},
}

// Names lists the placeholders, for help texts and errors.
func Names() []string {
	out := make([]string, 0, len(placeholders)+1)
	for n := range placeholders {
		out = append(out, n)
	}
	sort.Strings(out)
	return append(out, "env:NAME")
}

// where a text is filled in, which decides how values are escaped.
type where int

const (
	inPath where = iota
	inHeader
	inJSON
	inForm
	inRaw
)

// segment is a literal or a placeholder; in a JSON body, quoted says the
// placeholder stands inside a JSON string.
type segment struct {
	lit    string
	name   string // placeholder name, "" for a literal
	env    string // env:NAME
	quoted bool
	offset int // byte offset in the source text, for line numbers
}

type text struct {
	segs  []segment
	where where
}

// parseText splits src into literals and placeholders, refusing unknown
// names and names a register request cannot know.
func parseText(src string, w where, register bool) (text, error) {
	t := text{where: w}
	inString := false // JSON string state across literals
	scan := func(lit string) {
		if w != inJSON {
			return
		}
		for i := 0; i < len(lit); i++ {
			switch {
			case lit[i] == '\\' && inString:
				i++
			case lit[i] == '"':
				inString = !inString
			}
		}
	}
	rest, off := src, 0
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			if rest != "" {
				t.segs = append(t.segs, segment{lit: rest, offset: off})
			}
			return t, nil
		}
		if i > 0 {
			t.segs = append(t.segs, segment{lit: rest[:i], offset: off})
			scan(rest[:i])
		}
		j := strings.Index(rest[i:], "}}")
		if j < 0 {
			return t, &textError{offset: off + i, msg: "a {{ with no closing }}"}
		}
		raw := rest[i+2 : i+j]
		name := strings.TrimSpace(raw)
		seg := segment{name: name, quoted: inString, offset: off + i}
		switch ph, ok := placeholders[name]; {
		case strings.HasPrefix(name, "env:"):
			seg.env = strings.TrimPrefix(name, "env:")
			if !validEnvName(seg.env) {
				return t, &textError{offset: off + i, msg: fmt.Sprintf("{{%s}}: not an environment variable name", raw)}
			}
			if w != inHeader {
				return t, &textError{offset: off + i, msg: fmt.Sprintf("{{%s}}: environment variables (secrets) go in headers only", raw)}
			}
		case !ok:
			return t, &textError{offset: off + i, msg: fmt.Sprintf("unknown placeholder {{%s}} (known: %s)", raw, strings.Join(Names(), ", "))}
		case ph.send && register:
			return t, &textError{offset: off + i, msg: fmt.Sprintf("{{%s}} is known only in [send]: a registration carries no push", raw)}
		}
		t.segs = append(t.segs, seg)
		off += i + j + 2
		rest = rest[i+j+2:]
	}
}

func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r != '_' && (r < 'A' || r > 'Z') && (r < 'a' || r > 'z') && (i == 0 || r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// textError is a fault at a byte offset of a template text.
type textError struct {
	offset int
	msg    string
}

func (e *textError) Error() string { return e.msg }

// render fills the text in. A header value with a line break, or an unset
// environment variable, is an error: it would be sent wrong.
func (t text) render(v *Values) (string, error) {
	var b strings.Builder
	for _, s := range t.segs {
		if s.name == "" {
			b.WriteString(s.lit)
			continue
		}
		var val string
		k := kString
		if s.env != "" {
			var ok bool
			if val, ok = os.LookupEnv(s.env); !ok {
				return "", fmt.Errorf("{{env:%s}}: the environment variable %s is not set", s.env, s.env)
			}
		} else {
			ph := placeholders[s.name]
			val, k = ph.get(v), ph.kind
		}
		switch t.where {
		case inPath:
			b.WriteString(url.PathEscape(val))
		case inForm:
			b.WriteString(url.QueryEscape(val))
		case inHeader:
			if strings.ContainsAny(val, "\r\n\x00") {
				return "", fmt.Errorf("{{%s}}: the value has a line break, which a header cannot carry", s.name)
			}
			b.WriteString(val)
		case inRaw:
			b.WriteString(val)
		case inJSON:
			writeJSON(&b, val, k, s.quoted)
		}
	}
	return b.String(), nil
}

// writeJSON writes val inside a JSON string (quoted: escaped, no quotes) or
// as a JSON value of its own: a string quoted, a number or the envelope bare.
func writeJSON(b *strings.Builder, val string, k kind, quoted bool) {
	if !quoted && (k == kJSON || k == kNumber) && val != "" {
		b.WriteString(val)
		return
	}
	q, _ := json.Marshal(val) // a string always marshals
	if quoted {
		q = q[1 : len(q)-1]
	}
	b.Write(q)
}
