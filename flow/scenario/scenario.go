package scenario

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/device"
	"github.com/callscope/callscope/flow/pipeline"
	"github.com/callscope/callscope/transport/provider"
)

// Scenario is one named situation and the diagnosis it must produce.
type Scenario struct {
	Name        string `toml:"name"`
	Description string `toml:"description"`
	// Source is the failure catalogue id (F-xx, docs/failures.md) or the
	// repo doc the rule comes from (docs/device-rules.md S3).
	Source string `toml:"source"`
	// Injects is the kind of knob whose modelled behaviour fails: profile,
	// push, sender, crypto, provider, mock fault, or none for happy paths
	// (knobs.go). Knobs lists the knobs themselves.
	Injects string    `toml:"injects"`
	Kind    flow.Kind `toml:"kind"`
	Video   bool      `toml:"video"`
	Expect  Expect    `toml:"expect"`

	Profile      device.Profile       `toml:"profile"`
	ExtraDevices []device.Profile     `toml:"extra_device"`
	Sender       device.SenderFaults  `toml:"sender"`
	Push         provider.PushOptions `toml:"push"`
	APNs         pipeline.APNsFaults  `toml:"apns"`
	// Scheme is the callee devices' envelope scheme ("": the default).
	Scheme string `toml:"scheme"`
}

// Expect is what a scenario must produce. A happy scenario has no Code.
type Expect struct {
	Outcome flow.Outcome `toml:"outcome" json:"outcome"`
	Stage   flow.Stage   `toml:"stage" json:"stage,omitempty"`
	Code    flow.Code    `toml:"code" json:"code,omitempty"`
	// Apple is Apple's name for the error; the observed name must contain it.
	Apple string `toml:"apple" json:"apple,omitempty"`
}

// Happy reports whether the scenario expects no diagnosis.
func (s Scenario) Happy() bool { return s.Expect.Code == "" }

var nameRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Validate checks a scenario's fields. The error is a *device.FieldError
// whose Field is the key's path inside the scenario (name, expect.stage,
// profile.ios, extra_device.name), so LoadFile can add the line.
func (s Scenario) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &device.FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	switch {
	case !nameRE.MatchString(s.Name):
		return bad("name", "%q: use lowercase letters, digits and dashes", s.Name)
	case s.Description == "":
		return bad("description", "must not be empty")
	}
	if _, err := flow.ParseKind(string(s.Kind)); err != nil {
		return bad("kind", "%v", err)
	}
	if !s.Happy() && s.Expect.Stage != "" { // no stage: any stage will do
		if _, err := flow.ParseStage(string(s.Expect.Stage)); err != nil {
			return bad("expect.stage", "%v", err)
		}
	}
	switch s.Sender.Hangup {
	case "", "before", "after":
	default:
		return bad("sender.hangup", "%q: want before or after", s.Sender.Hangup)
	}
	if _, err := s.APNs.Forward(); err != nil {
		var fe *device.FieldError
		if errors.As(err, &fe) {
			return bad("apns."+fe.Field, "%s", fe.Msg)
		}
		return err
	}
	names := map[string]bool{}
	for i, p := range append([]device.Profile{s.Profile}, s.ExtraDevices...) {
		table := "profile"
		if i > 0 {
			table = "extra_device"
		}
		if err := p.Validate(); err != nil {
			var fe *device.FieldError
			if errors.As(err, &fe) {
				return bad(table+"."+fe.Field, "%s", fe.Msg)
			}
			return err
		}
		if names[p.Name] {
			// The devices of a callee are told apart by name.
			return bad(table+".name", "%q: two devices with one name", p.Name)
		}
		names[p.Name] = true
	}
	return nil
}

// Library is a set of scenarios by name.
type Library struct {
	byName map[string]Scenario
}

// NewLibrary returns the built-ins plus extra scenarios; an extra one may
// replace a built-in of the same name.
func NewLibrary(extra ...Scenario) (*Library, error) {
	l := &Library{byName: map[string]Scenario{}}
	for _, s := range append(Builtins(), extra...) {
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("scenario %s: %w", s.Name, err)
		}
		l.byName[s.Name] = s
	}
	return l, nil
}

// All returns every scenario, happy paths first, then by stage and name.
func (l *Library) All() []Scenario {
	out := make([]Scenario, 0, len(l.byName))
	for _, s := range l.byName {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Happy() != b.Happy() {
			return a.Happy()
		}
		if a.Expect.Stage != b.Expect.Stage {
			return a.Expect.Stage.Index() < b.Expect.Stage.Index()
		}
		return a.Name < b.Name
	})
	return out
}

// Get finds a scenario by name. An unknown name's error suggests the closest.
func (l *Library) Get(name string) (Scenario, error) {
	if s, ok := l.byName[name]; ok {
		return s, nil
	}
	return Scenario{}, fmt.Errorf("unknown scenario %q%s (callscope scenarios lists them)", name, l.suggest(name))
}

func (l *Library) suggest(name string) string {
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	for n := range l.byName {
		d := distance(name, n)
		if strings.Contains(n, name) && name != "" {
			d = min(d, len(n)-len(name))
		}
		cs = append(cs, cand{n, d})
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].d < cs[j].d || cs[i].d == cs[j].d && cs[i].name < cs[j].name })
	var out []string
	for _, c := range cs {
		if len(out) == 3 || c.d > max(3, len(name)/2) {
			break
		}
		out = append(out, c.name)
	}
	if len(out) == 0 {
		return ""
	}
	return "; did you mean " + strings.Join(out, ", ") + "?"
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
