package otlp

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// locateJSONError finds where an OTLP JSON body that pdata refused goes
// wrong, as "resourceSpans[0].scopeSpans[1].spans[2].traceId: why", by
// walking the fields a traces request has. pdata's own messages point at a
// byte offset; a team fixing its exporter wants the field. "" when the walk
// finds nothing (pdata's message is used then).
func locateJSONError(body []byte) string {
	var req map[string]json.RawMessage
	if err := json.Unmarshal(body, &req); err != nil {
		return "body: " + jsonMsg(err) + " (want an OTLP JSON ExportTraceServiceRequest, {\"resourceSpans\":[…]})"
	}
	var rss []map[string]json.RawMessage
	if raw, ok := req["resourceSpans"]; ok {
		if err := json.Unmarshal(raw, &rss); err != nil {
			return "resourceSpans: want an array of objects"
		}
	}
	for i, rs := range rss {
		p := fmt.Sprintf("resourceSpans[%d]", i)
		if raw, ok := rs["resource"]; ok {
			if msg := checkObjectWithAttrs(raw); msg != "" {
				return p + ".resource" + msg
			}
		}
		var sss []map[string]json.RawMessage
		if raw, ok := rs["scopeSpans"]; ok {
			if err := json.Unmarshal(raw, &sss); err != nil {
				return p + ".scopeSpans: want an array of objects"
			}
		}
		for j, ss := range sss {
			q := fmt.Sprintf("%s.scopeSpans[%d]", p, j)
			var spans []map[string]json.RawMessage
			if raw, ok := ss["spans"]; ok {
				if err := json.Unmarshal(raw, &spans); err != nil {
					return q + ".spans: want an array of objects"
				}
			}
			for k, sp := range spans {
				if msg := checkSpanJSON(sp); msg != "" {
					return fmt.Sprintf("%s.spans[%d].%s", q, k, msg)
				}
			}
		}
	}
	return ""
}

func checkSpanJSON(sp map[string]json.RawMessage) string {
	for _, f := range []struct {
		name string
		n    int
	}{{"traceId", 16}, {"spanId", 8}, {"parentSpanId", 8}} {
		if raw, ok := sp[f.name]; ok {
			if msg := checkID(raw, f.n); msg != "" {
				return f.name + ": " + msg
			}
		}
	}
	for _, f := range []string{"startTimeUnixNano", "endTimeUnixNano"} {
		if raw, ok := sp[f]; ok && !isUint(raw) {
			return f + ": want nanoseconds since 1970 as a number or a string of digits, got " + clipJSON(raw)
		}
	}
	if raw, ok := sp["name"]; ok {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "name: want a string, got " + clipJSON(raw)
		}
	}
	if raw, ok := sp["kind"]; ok && !isUint(raw) && !isString(raw) {
		return "kind: want a SpanKind number (0–5), got " + clipJSON(raw)
	}
	if raw, ok := sp["attributes"]; ok {
		if msg := checkAttrs(raw); msg != "" {
			return "attributes" + msg
		}
	}
	if raw, ok := sp["events"]; ok {
		var evs []map[string]json.RawMessage
		if json.Unmarshal(raw, &evs) != nil {
			return "events: want an array of objects"
		}
		for i, ev := range evs {
			if t, ok := ev["timeUnixNano"]; ok && !isUint(t) {
				return fmt.Sprintf("events[%d].timeUnixNano: want nanoseconds since 1970, got %s", i, clipJSON(t))
			}
			if a, ok := ev["attributes"]; ok {
				if msg := checkAttrs(a); msg != "" {
					return fmt.Sprintf("events[%d].attributes%s", i, msg)
				}
			}
		}
	}
	if raw, ok := sp["status"]; ok {
		var st map[string]json.RawMessage
		if json.Unmarshal(raw, &st) != nil {
			return "status: want an object, {\"code\":2,\"message\":\"…\"}"
		}
		if c, ok := st["code"]; ok && !isUint(c) && !isString(c) {
			return "status.code: want 0, 1 or 2, got " + clipJSON(c)
		}
	}
	return ""
}

// checkID: OTLP JSON carries ids as hex strings (not base64, as protobuf's
// own JSON mapping would).
func checkID(raw json.RawMessage, n int) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "want a hex string, got " + clipJSON(raw)
	}
	if s == "" {
		return ""
	}
	if len(s) != 2*n {
		return fmt.Sprintf("want %d hex digits, got %d characters", 2*n, len(s))
	}
	if _, err := hex.DecodeString(s); err != nil {
		return fmt.Sprintf("want %d hex digits, got %s", 2*n, clipJSON(raw))
	}
	return ""
}

func checkObjectWithAttrs(raw json.RawMessage) string {
	var o map[string]json.RawMessage
	if json.Unmarshal(raw, &o) != nil {
		return ": want an object"
	}
	if a, ok := o["attributes"]; ok {
		if msg := checkAttrs(a); msg != "" {
			return ".attributes" + msg
		}
	}
	return ""
}

func checkAttrs(raw json.RawMessage) string {
	var kvs []map[string]json.RawMessage
	if json.Unmarshal(raw, &kvs) != nil {
		return ": want an array of {\"key\":…,\"value\":{…}}"
	}
	for i, kv := range kvs {
		if v, ok := kv["value"]; ok {
			var o map[string]json.RawMessage
			if json.Unmarshal(v, &o) != nil {
				return fmt.Sprintf("[%d].value: want an AnyValue object such as {\"stringValue\":\"…\"}, got %s", i, clipJSON(v))
			}
			if iv, ok := o["intValue"]; ok && !isInt(iv) {
				return fmt.Sprintf("[%d].value.intValue: want an integer, got %s", i, clipJSON(iv))
			}
		}
	}
	return ""
}

func isUint(raw json.RawMessage) bool {
	s := strings.Trim(string(bytes.TrimSpace(raw)), `"`)
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

func isInt(raw json.RawMessage) bool {
	s := strings.Trim(string(bytes.TrimSpace(raw)), `"`)
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}

func isString(raw json.RawMessage) bool {
	var s string
	return json.Unmarshal(raw, &s) == nil
}

func jsonMsg(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("not JSON at byte %d: %s", se.Offset, strings.TrimPrefix(se.Error(), "json: "))
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func clipJSON(raw json.RawMessage) string {
	s := string(bytes.TrimSpace(raw))
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return s
}
