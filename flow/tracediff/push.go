package tracediff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/callscope/callscope/flow"
)

// stableHeaders are the push headers whose value should not change between
// two runs of the same code: what kind of push, how urgent, for which app,
// and how the body is typed. Per-push values (apns-id, the token, the JWT)
// are left out.
var stableHeaders = []string{"apns-push-type", "apns-priority", "apns-topic", "content-type"}

// presenceHeaders are compared by presence only: their value changes per
// push (an expiry time, a collapse id per call).
var presenceHeaders = []string{"apns-expiration", "apns-collapse-id"}

// attrHeader names the APNs received event's attribute for a header, for
// traces whose push was not recorded whole (Event.Push nil).
var attrHeader = map[string]string{
	"apns-push-type": "push_type", "apns-priority": "priority", "apns-topic": "topic",
	"apns-expiration": "expiration", "apns-collapse-id": "collapse_id",
}

// pushShape is what a diff compares of a push.
type pushShape struct {
	headers map[string]string // stable values; "present" for presence headers
	known   map[string]bool   // headers the record could tell (content-type needs the whole push)
	payload []string          // "path: type", sorted; nil when unknown
	// fromAttrs: only the APNs event's attributes were on record.
	fromAttrs bool
}

const present = "present"

// shapeOf reads the push from an event: the whole push when it was
// recorded (Event.Push), else the header attributes of APNs's received
// event.
func shapeOf(e flow.Event) *pushShape {
	switch {
	case e.Push != nil && len(e.Push.Headers)+len(e.Push.Payload) > 0:
		p := &pushShape{headers: map[string]string{}, known: map[string]bool{}}
		for _, h := range stableHeaders {
			p.known[h] = true
			if v, ok := e.Push.Headers[h]; ok {
				p.headers[h] = v
			}
		}
		for _, h := range presenceHeaders {
			p.known[h] = true
			if _, ok := e.Push.Headers[h]; ok {
				p.headers[h] = present
			}
		}
		p.payload = payloadShape(e.Push.Payload)
		return p
	case e.Stage == flow.StageAPNs && e.Name == "received":
		p := &pushShape{headers: map[string]string{}, known: map[string]bool{}, fromAttrs: true}
		for h, a := range attrHeader {
			p.known[h] = true
			if v, ok := e.Attrs[a]; ok {
				if slices.Contains(presenceHeaders, h) {
					v = present
				}
				p.headers[h] = v
			}
		}
		return p
	}
	return nil
}

// payloadShape lists every key path of a JSON payload with its type, not
// its value: the envelope is opaque and changes every push. Array elements
// share the path "[]". A body that is not JSON has the shape "(not JSON)".
func payloadShape(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return []string{"(not JSON)"}
	}
	set := map[string]bool{}
	walk("", v, set)
	return slices.Sorted(maps.Keys(set))
}

func walk(path string, v any, set map[string]bool) {
	name := path
	if name == "" {
		name = "$"
	}
	switch x := v.(type) {
	case map[string]any:
		set[name+": object"] = true
		for k, c := range x {
			walk(join(path, k), c, set)
		}
	case []any:
		set[name+": array"] = true
		for _, c := range x {
			walk(path+"[]", c, set)
		}
	case string:
		set[name+": string"] = true
	case json.Number:
		set[name+": number"] = true
	case bool:
		set[name+": bool"] = true
	case nil:
		set[name+": null"] = true
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// pushChanges lists how b's push differs from a's, one line each, in a
// stable order. A push on record on one side only is no change: there is
// nothing to compare (noted apart).
func pushChanges(a, b *pushShape) []string {
	if a == nil || b == nil {
		return nil
	}
	var out []string
	hs := append(append([]string{}, stableHeaders...), presenceHeaders...)
	for _, h := range hs {
		if !a.known[h] || !b.known[h] {
			continue
		}
		va, oka := a.headers[h]
		vb, okb := b.headers[h]
		switch {
		case oka && okb && va != vb:
			out = append(out, fmt.Sprintf("header %s: %s → %s", h, va, vb))
		case oka && !okb:
			out = append(out, fmt.Sprintf("header %s: %s → absent", h, va))
		case !oka && okb:
			out = append(out, fmt.Sprintf("header %s: absent → %s", h, vb))
		}
	}
	if a.payload == nil || b.payload == nil {
		return out
	}
	ta, tb := types(a.payload), types(b.payload)
	paths := map[string]bool{}
	for p := range ta {
		paths[p] = true
	}
	for p := range tb {
		paths[p] = true
	}
	for _, p := range slices.Sorted(maps.Keys(paths)) {
		x, y := ta[p], tb[p]
		switch {
		case x == y:
		case x == "":
			out = append(out, fmt.Sprintf("payload %s: added (%s)", p, y))
		case y == "":
			out = append(out, fmt.Sprintf("payload %s: removed (was %s)", p, x))
		default:
			out = append(out, fmt.Sprintf("payload %s: %s → %s", p, x, y))
		}
	}
	return out
}

// types maps each path to its types ("string|number" when it varies).
func types(shape []string) map[string]string {
	m := map[string][]string{}
	for _, s := range shape {
		i := len(s) - 1
		for i > 0 && s[i] != ':' {
			i--
		}
		if i <= 0 {
			m[s] = append(m[s], "?")
			continue
		}
		m[s[:i]] = append(m[s[:i]], s[i+2:])
	}
	out := make(map[string]string, len(m))
	for p, ts := range m {
		sort.Strings(ts)
		s := ts[0]
		for _, t := range ts[1:] {
			s += "|" + t
		}
		out[p] = s
	}
	return out
}
