package apnsmock

import (
	"encoding/json"
	"strconv"
	"sync"
	"time"

	"github.com/callscope/callscope/flow"
)

// SimDevice is the standalone mock's in-process stand-in iPhone, for tokens
// no device has linked (callscope device links a real one over TLS). It
// holds no app keys, so it cannot open an envelope; it applies the iOS rules
// that decide what happens to a push on arrival (docs/device-rules.md) and
// records them, per apns-id: whether the Notification Service Extension runs,
// PushKit delivery, and a shown notification replaced by one with the same
// apns-collapse-id. Its events say device=stand-in: no link was crossed, and
// each is an instant system call (flow.Event.Instant): an in-process Go call
// is no measured latency of the device's stages.
type SimDevice struct {
	Token string
	Sink  flow.Sink

	mu    sync.Mutex
	shown shownList // apns-collapse-id → apns-id of the notification it names, bounded
}

// StandIn is the device attribute of the stand-in's events.
const StandIn = "stand-in (in process, no device linked)"

// Deliver records what iOS does with p. It never blocks for long.
func (d *SimDevice) Deliver(p flow.Push) {
	attrs := map[string]string{"token": short(p.Token), "push_type": p.PushType}
	switch p.PushType {
	case "voip":
		attrs["note"] = "PushKit pushRegistry(didReceiveIncomingPushWith:): the app must call reportNewIncomingCall before the completion handler"
		d.emit(p, flow.StageCallKit, "pushkit-delivered", attrs, nil)
	case "alert":
		d.replace(p, attrs)
		d.alert(p, attrs)
	case "background":
		attrs["note"] = "background update: the app may be woken (content-available), no extension runs"
		d.emit(p, flow.StageExtension, "background-delivered", attrs, nil)
	default:
		attrs["note"] = "handed to the system for push type " + p.PushType
		d.emit(p, flow.StageExtension, "delivered", attrs, nil)
	}
}

// alert decides whether the NSE runs: mutable-content 1 and an alert
// dictionary with a title, subtitle or body.
func (d *SimDevice) alert(p flow.Push, attrs map[string]string) {
	mutableContent, hasText := readAPS(p.Payload)
	diag := func(detail, hint string) *flow.Diagnosis {
		return &flow.Diagnosis{Stage: flow.StageExtension, Code: flow.CodeNSENotRun, Detail: detail, Hint: hint}
	}
	switch {
	case mutableContent != 1:
		attrs["note"] = "NSE not run: no mutable-content"
		d.emit(p, flow.StageExtension, "nse-not-run", attrs, diag("NSE not run: no mutable-content; iOS shows the alert as sent",
			`add "mutable-content": 1 to aps`))
	case !hasText:
		attrs["note"] = "NSE not run: no alert title, subtitle or body"
		d.emit(p, flow.StageExtension, "nse-not-run", attrs, diag("NSE not run: the alert has no title, subtitle or body",
			"put placeholder text in aps.alert (it is shown if the extension fails)"))
	default:
		attrs["note"] = "NSE runs didReceive(_:withContentHandler:); the mock holds no app keys, so the content is not decrypted"
		d.emit(p, flow.StageExtension, "nse-run", attrs, nil)
	}
}

// replace notes that a notification with the same apns-collapse-id takes the
// place of the one shown before. A collapse id pushed off the bounded list
// is named in attrs, the push's own event.
func (d *SimDevice) replace(p flow.Push, attrs map[string]string) {
	if p.CollapseID == "" {
		return
	}
	d.mu.Lock()
	old, ok, out := d.shown.show(p.CollapseID, p.ApnsID)
	if out != nil {
		d.shown.forgot(attrs, out)
	}
	d.mu.Unlock()
	if ok {
		d.emit(p, flow.StageExtension, "notification-replaced", map[string]string{"replaces": old, "collapse_id": p.CollapseID}, nil)
	}
}

func (d *SimDevice) emit(p flow.Push, st flow.Stage, name string, attrs map[string]string, diag *flow.Diagnosis) {
	if d.Sink == nil {
		return
	}
	if attrs == nil {
		attrs = map[string]string{}
	}
	attrs["device"] = StandIn
	d.Sink.Emit(flow.Event{TraceID: p.TraceID, ApnsID: p.ApnsID, Stage: st, Name: name, Time: time.Now(), Instant: true,
		Attrs: attrs, Diagnosis: diag})
}

// apsFields are what the NSE rules read of a payload's aps dictionary.
type apsFields struct {
	Alert          json.RawMessage `json:"alert"`
	MutableContent int             `json:"mutable-content"`
}

// readAPS is what the NSE rules need of a payload: aps.mutable-content, and
// whether aps.alert is an object with a title, subtitle or body. It reads
// them as decoding with encoding/json does (apsByJSON), but with the
// scanner wherever encoding/json could not read them otherwise: a payload
// is mostly ciphertext the device does not read here.
func readAPS(payload []byte) (mutableContent int, hasText bool) {
	valid, _, v, ok := members(payload, "aps")
	if !ok {
		return apsByJSON(payload)
	}
	if !valid || v[0] == nil {
		return 0, false
	}
	_, obj, f, ok := members(v[0], "alert", "mutable-content")
	if !ok {
		return apsByJSON(payload)
	}
	if !obj {
		return 0, false // null or not an object: nothing decoded
	}
	if mc := f[1]; mc != nil && (mc[0] == '-' || (mc[0] >= '0' && mc[0] <= '9')) {
		if n, err := strconv.ParseInt(string(mc), 10, 64); err == nil {
			mutableContent = int(n)
		}
	}
	if f[0] == nil {
		return mutableContent, false
	}
	_, obj, t, ok := members(f[0], "title", "subtitle", "body")
	if !ok {
		return apsByJSON(payload)
	}
	if !obj {
		return mutableContent, false
	}
	for _, x := range t {
		switch {
		case x == nil || string(x) == "null":
		case x[0] != '"':
			return mutableContent, false // json.Unmarshal fails: a field is no string
		case len(x) > 2:
			hasText = true
		}
	}
	return mutableContent, hasText
}

// apsByJSON is readAPS by encoding/json.
func apsByJSON(payload []byte) (mutableContent int, hasText bool) {
	var pl struct {
		APS apsFields `json:"aps"`
	}
	_ = json.Unmarshal(payload, &pl)
	var a struct{ Title, Subtitle, Body string }
	hasText = json.Unmarshal(pl.APS.Alert, &a) == nil && (a.Title != "" || a.Subtitle != "" || a.Body != "")
	return pl.APS.MutableContent, hasText
}
