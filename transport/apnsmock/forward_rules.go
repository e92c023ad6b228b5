package apnsmock

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/callscope/callscope/flow"
)

// Forward are store-and-forward faults: what APNs does between accepting a
// push and handing it to the device. Apple promises neither timely nor
// ordered delivery (docs/apns-rules.md, storage): these make the mock do
// what APNs was seen to do. The zero value forwards every push at once.
type Forward struct {
	// Delay holds each selected push this long before delivering it.
	Delay []DelayRule
	// HoldWhileOffline keeps selected pushes for an offline device even when
	// they carry apns-expiration 0, which asks APNs not to store them, and
	// delivers them when the device comes back, as seen in the field (F-18).
	HoldWhileOffline []Selector
	// Reorder delivers each group of N selected pushes to one device newest
	// first, as APNs may deliver a backlog (F-20).
	Reorder []ReorderRule
	// ReorderWindow is how long a group waits for its Nth push; then what it
	// has goes out, newest first. Zero: one second (measured, wall time).
	ReorderWindow time.Duration
}

// Selector picks the pushes a fault applies to: every push (the zero
// value), one apns-push-type, or one device token.
type Selector struct {
	PushType string // e.g. "voip"
	Token    string // lowercase hex
}

// DelayRule is one --delay: hold the selected pushes for Delay.
type DelayRule struct {
	Selector
	Delay time.Duration
}

// ReorderRule is one --reorder: deliver groups of N selected pushes newest first.
type ReorderRule struct {
	Selector
	N int
}

// Empty reports whether f forwards every push at once.
func (f Forward) Empty() bool {
	return len(f.Delay) == 0 && len(f.HoldWhileOffline) == 0 && len(f.Reorder) == 0
}

// String is the faults as mock-apns's flags spell them, or "none".
func (f Forward) String() string {
	var out []string
	for _, r := range f.Delay {
		out = append(out, "--delay "+r.Selector.String()+"="+r.Delay.String())
	}
	for _, s := range f.HoldWhileOffline {
		out = append(out, "--hold-while-offline="+s.String())
	}
	for _, r := range f.Reorder {
		out = append(out, "--reorder "+r.Selector.String()+"="+strconv.Itoa(r.N))
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, " ")
}

func (s Selector) String() string {
	switch {
	case s.Token != "":
		return short(s.Token)
	case s.PushType != "":
		return s.PushType
	}
	return "all"
}

func (s Selector) matches(token, pushType string) bool {
	return (s.Token == "" || s.Token == token) && (s.PushType == "" || s.PushType == pushType)
}

// rank orders selectors from the most specific: a token beats a push type
// beats every push.
func (s Selector) rank() int {
	switch {
	case s.Token != "":
		return 2
	case s.PushType != "":
		return 1
	}
	return 0
}

// delayFor is the most specific delay rule for a push (0: none).
func (f Forward) delayFor(token, pushType string) time.Duration {
	best, d := -1, time.Duration(0)
	for _, r := range f.Delay {
		if r.matches(token, pushType) && r.rank() > best {
			best, d = r.rank(), r.Delay
		}
	}
	return d
}

// reorderFor is the most specific reorder rule's group size (0: none).
func (f Forward) reorderFor(token, pushType string) int {
	best, n := -1, 0
	for _, r := range f.Reorder {
		if r.matches(token, pushType) && r.rank() > best {
			best, n = r.rank(), r.N
		}
	}
	return n
}

func (f Forward) holdsOffline(token, pushType string) bool {
	for _, s := range f.HoldWhileOffline {
		if s.matches(token, pushType) {
			return true
		}
	}
	return false
}

func (f Forward) window() time.Duration {
	if f.ReorderWindow > 0 {
		return f.ReorderWindow
	}
	return time.Second
}

// ParseSelector reads a selector: "all" (or "*"), one of Apple's push types,
// or a device token in hex.
func ParseSelector(v string) (Selector, error) {
	v = strings.TrimSpace(v)
	switch {
	case v == "" || v == "all" || v == "*":
		return Selector{}, nil
	case pushTypes[v] != "" || v == "alert" || v == "background" || v == "mdm":
		return Selector{PushType: v}, nil
	case validToken(v):
		return Selector{Token: strings.ToLower(v)}, nil
	}
	return Selector{}, fmt.Errorf("%q is neither all, a push type (%s) nor a hex device token", v, strings.Join(pushTypeNames(), ", "))
}

func pushTypeNames() []string {
	out := make([]string, 0, len(pushTypes))
	for t := range pushTypes {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// splitRule splits "[SELECTOR=]VALUE".
func splitRule(v string) (Selector, string, error) {
	sel, val := "", v
	if i := strings.LastIndex(v, "="); i >= 0 {
		sel, val = v[:i], v[i+1:]
	}
	s, err := ParseSelector(sel)
	return s, strings.TrimSpace(val), err
}

// ParseDelay reads a --delay value: "[SELECTOR=]DURATION", e.g. "20s" or
// "voip=20s". The duration needs its unit and must be positive.
func ParseDelay(v string) (DelayRule, error) {
	s, val, err := splitRule(v)
	if err != nil {
		return DelayRule{}, err
	}
	d, err := time.ParseDuration(val)
	if err != nil {
		if _, nerr := strconv.ParseFloat(val, 64); nerr == nil {
			return DelayRule{}, fmt.Errorf("%q: %s has no unit (write %ss)", v, val, val)
		}
		return DelayRule{}, fmt.Errorf("%q: want [SELECTOR=]DURATION, e.g. 20s or voip=20s", v)
	}
	if d <= 0 {
		return DelayRule{}, fmt.Errorf("%q: the delay must be positive", v)
	}
	return DelayRule{Selector: s, Delay: d}, nil
}

// ParseReorder reads a --reorder value: "[SELECTOR=]N" with N at least 2.
func ParseReorder(v string) (ReorderRule, error) {
	s, val, err := splitRule(v)
	if err != nil {
		return ReorderRule{}, err
	}
	n, err := strconv.Atoi(val)
	if err != nil || n < 2 {
		return ReorderRule{}, fmt.Errorf("%q: want [SELECTOR=]N with N at least 2, e.g. 2 or alert=3", v)
	}
	return ReorderRule{Selector: s, N: n}, nil
}

// ParseForward reads the three faults as mock-apns's flags spell them. The
// error names the flag and the bad value.
func ParseForward(delay, hold, reorder []string) (Forward, error) {
	var f Forward
	for _, v := range delay {
		r, err := ParseDelay(v)
		if err != nil {
			return Forward{}, fmt.Errorf("--delay %w", err)
		}
		f.Delay = append(f.Delay, r)
	}
	for _, v := range hold {
		s, err := ParseSelector(v)
		if err != nil {
			return Forward{}, fmt.Errorf("--hold-while-offline %w", err)
		}
		f.HoldWhileOffline = append(f.HoldWhileOffline, s)
	}
	for _, v := range reorder {
		r, err := ParseReorder(v)
		if err != nil {
			return Forward{}, fmt.Errorf("--reorder %w", err)
		}
		f.Reorder = append(f.Reorder, r)
	}
	return f, nil
}

// heldLabel is a hold's duration as the events show it: simulated time is
// labelled so, measured time is not.
func heldLabel(fw flow.Forwarding) string {
	d := fw.Held.Round(time.Millisecond)
	if fw.Held < time.Millisecond {
		d = fw.Held.Round(time.Microsecond)
	}
	if fw.Simulated {
		return d.String() + " (simulated)"
	}
	return d.String() + " (measured)"
}
