package otlp

import (
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/callscope/callscope/flow"
)

// stageAttrs say what a stage's span is made of: how many events, and
// whether simulated iPhone time is in it (and how much), which a viewer
// must not read as measured latency.
func stageAttrs(st flow.Stage, events []flow.Event) []attribute.KeyValue {
	var (
		n          int
		sim        time.Duration
		simulated  bool
		allInstant = true
		clock      string
	)
	for _, e := range events {
		if e.Stage != st {
			continue
		}
		n++
		if e.Simulated {
			simulated = true
			sim += e.Duration
		}
		if !e.Instant && !e.Simulated {
			allInstant = false
		}
		if e.Clock != "" {
			clock = e.Clock
		}
	}
	a := []attribute.KeyValue{attribute.String("callscope.stage", string(st)), attribute.Int("callscope.events", n)}
	if simulated {
		a = append(a, attribute.Bool("callscope.simulated", true), attribute.Int64("callscope.simulated_ns", int64(sim)))
	}
	if n > 0 && allInstant {
		a = append(a, attribute.Bool("callscope.instant", true))
	}
	if clock != "" {
		a = append(a, attribute.String("callscope.clock", clock))
	}
	return a
}

func eventAttrs(e flow.Event) []attribute.KeyValue {
	keys := make([]string, 0, len(e.Attrs))
	for k := range e.Attrs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	a := make([]attribute.KeyValue, 0, len(keys)+4)
	for _, k := range keys {
		a = append(a, attribute.String(k, e.Attrs[k]))
	}
	if e.Duration > 0 {
		a = append(a, attribute.Int64("callscope.duration_ns", int64(e.Duration)))
	}
	if e.Simulated {
		a = append(a, attribute.Bool("callscope.simulated", true))
		if e.Waited > 0 {
			a = append(a, attribute.Int64("callscope.waited_ns", int64(e.Waited)))
		}
	}
	if e.Instant {
		a = append(a, attribute.Bool("callscope.instant", true))
	}
	a = appendStr(a, "callscope.clock", e.Clock)
	a = appendStr(a, "callscope.outcome", string(e.Outcome))
	if e.Diagnosis != nil {
		a = append(a, diagAttrs("callscope.diagnosis.", e.Diagnosis)...)
	}
	return a
}

func diagAttrs(prefix string, d *flow.Diagnosis) []attribute.KeyValue {
	a := []attribute.KeyValue{attribute.String(prefix+"code", string(d.Code))}
	a = appendStr(a, prefix+"stage", string(d.Stage))
	a = appendStr(a, prefix+"apple", d.Apple)
	a = appendStr(a, prefix+"detail", flow.RedactValue(d.Detail))
	a = appendStr(a, prefix+"hint", flow.RedactValue(d.Hint))
	return a
}

func status(d *flow.Diagnosis) string {
	s := string(d.Code)
	if d.Apple != "" {
		s += " (" + d.Apple + ")"
	}
	if d.Detail != "" {
		s += ": " + flow.RedactValue(d.Detail)
	}
	return s
}

// pushAttrs are the push as APNs saw it, without the authorization header
// (even its redacted form: a span is no place for a token's claims) and
// without the payload, which is only counted.
func pushAttrs(p *flow.PushRecord) []attribute.KeyValue {
	var a []attribute.KeyValue
	a = appendStr(a, "callscope.push.method", p.Method)
	a = appendStr(a, "callscope.push.path", flow.RedactValue(p.Path))
	keys := make([]string, 0, len(p.Headers))
	for k := range p.Headers {
		if !strings.EqualFold(k, "authorization") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		a = append(a, attribute.String("callscope.push.header."+strings.ToLower(k), flow.RedactValue(p.Headers[k])))
	}
	a = append(a, attribute.Int("callscope.push.payload_bytes", len(p.Payload)))
	if p.Status != 0 {
		a = append(a, attribute.Int("callscope.push.status", p.Status))
	}
	a = appendStr(a, "callscope.push.reason", p.Reason)
	a = appendStr(a, "callscope.push.apns_id", p.ApnsID)
	a = appendStr(a, "callscope.push.apns_unique_id", p.UniqueID)
	return a
}

func appendStr(a []attribute.KeyValue, k, v string) []attribute.KeyValue {
	if v == "" {
		return a
	}
	return append(a, attribute.String(k, v))
}

func hasKey(a []attribute.KeyValue, k string) bool {
	for _, kv := range a {
		if string(kv.Key) == k {
			return true
		}
	}
	return false
}

// replacePrefix replaces the attributes under prefix: a later diagnosis of
// the same stage replaces the earlier one's fields rather than mixing them.
func replacePrefix(a []attribute.KeyValue, prefix string, kvs []attribute.KeyValue) []attribute.KeyValue {
	a = slices.DeleteFunc(a, func(x attribute.KeyValue) bool { return strings.HasPrefix(string(x.Key), prefix) })
	return append(a, kvs...)
}
