package scenario

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/callscope/callscope/flow/device"
)

// Knobs lists what a scenario turns, read from its fields rather than from
// what it says: each profile key changed from the default iPhone's, each push
// option, sender action and APNs condition set, and the mock's
// store-and-forward faults as mock-apns's flags spell them. README's "knob"
// column is this list, so a row cannot claim a cause the run does not set.
func (s Scenario) Knobs() []string {
	out := []string{}
	out = append(out, diff("profile.", s.Profile, device.DefaultProfile())...)
	for _, p := range s.ExtraDevices {
		d := device.DefaultProfile()
		d.Name = p.Name // a name is how devices are told apart, not a knob
		k := "extra_device " + p.Name
		if ch := diff("", p, d); len(ch) > 0 {
			k += " (" + strings.Join(ch, ", ") + ")"
		}
		out = append(out, k)
	}
	out = append(out, diff("push.", s.Push, zeroOf(s.Push))...)
	out = append(out, diff("sender.", s.Sender, zeroOf(s.Sender))...)
	a := s.APNs
	fw := struct{ delay, hold, reorder []string }{a.Delay, a.HoldWhileOffline, a.Reorder}
	a.Delay, a.HoldWhileOffline, a.Reorder = nil, nil, nil
	for _, f := range []struct {
		flag string
		vals []string
	}{{"--hold-while-offline=", fw.hold}, {"--delay ", fw.delay}, {"--reorder ", fw.reorder}} {
		for _, v := range f.vals {
			out = append(out, "mock-apns "+f.flag+v)
		}
	}
	out = append(out, diff("apns.", a, zeroOf(a))...)
	if s.Scheme != "" {
		out = append(out, "scheme = "+s.Scheme)
	}
	return out
}

func zeroOf[T any](T) T {
	var z T
	return z
}

// diff lists the toml keys whose values differ between v and base, with the
// new value ("key" alone for a true bool).
func diff(prefix string, v, base any) []string {
	rv, rb := reflect.ValueOf(v), reflect.ValueOf(base)
	var out []string
	for i := range rv.NumField() {
		key := rv.Type().Field(i).Tag.Get("toml")
		if key == "" || key == "-" || reflect.DeepEqual(rv.Field(i).Interface(), rb.Field(i).Interface()) {
			continue
		}
		out = append(out, prefix+key+knobValue(rv.Field(i).Interface()))
	}
	return out
}

func knobValue(v any) string {
	switch x := v.(type) {
	case bool:
		if x {
			return ""
		}
		return " = false"
	case time.Duration:
		return " = " + x.String()
	case string:
		return " = " + x
	case []string:
		return " = " + strings.Join(x, ", ")
	}
	return fmt.Sprintf(" = %v", v)
}

// Injects values: the kind of knob whose modelled behaviour fails. Knobs
// say which ones exactly.
const (
	InjectsNone      = "none"       // a happy path (a second device, a message, a scheme)
	InjectsProfile   = "profile"    // the device or the app's build ([scenario.profile])
	InjectsPush      = "push"       // how the provider server builds the push ([scenario.push])
	InjectsSender    = "sender"     // what the caller's app does ([scenario.sender])
	InjectsCrypto    = "crypto"     // the envelope on the way ([scenario.sender] crypto faults, keys)
	InjectsProvider  = "provider"   // the provider's APNs credentials ([scenario.apns] jwt_age)
	InjectsMockFault = "mock fault" // APNs: a device offline or unregistered, store-and-forward faults
)

// knobKinds says which knob prefixes each Injects value may rest on.
var knobKinds = map[string][]string{
	InjectsNone:      {"extra_device", "scheme", "profile.answer"},
	InjectsProfile:   {"profile.", "extra_device"},
	InjectsPush:      {"push."},
	InjectsSender:    {"sender."},
	InjectsCrypto:    {"sender.", "profile.rotated_key", "scheme"},
	InjectsProvider:  {"apns.jwt_age"},
	InjectsMockFault: {"apns.", "mock-apns "},
}

// checkInjects reports how a scenario's Injects disagrees with its knobs, or "".
func (s Scenario) checkInjects() string {
	kinds, ok := knobKinds[s.Injects]
	if !ok {
		return fmt.Sprintf("injects %q is not one of none, profile, push, sender, crypto, provider, mock fault", s.Injects)
	}
	knobs := s.Knobs()
	if s.Injects == InjectsNone {
		for _, k := range knobs {
			if !hasAnyPrefix(k, kinds) {
				return fmt.Sprintf("injects none, but it turns %s", k)
			}
		}
		return ""
	}
	for _, k := range knobs {
		if hasAnyPrefix(k, kinds) {
			return ""
		}
	}
	return fmt.Sprintf("injects %s, but turns no such knob (knobs: %s)", s.Injects, strings.Join(knobs, "; "))
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
