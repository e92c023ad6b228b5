package report

import (
	"fmt"

	"github.com/callscope/callscope/flow/device"
)

// Warning is one precondition a device profile breaks, found before any push
// is sent (Profile.Lint). The run goes on: each one is also enforced where iOS
// enforces it, so the calls show its consequence.
type Warning struct {
	// ID is the failure catalogue's F-xx (docs/failures.md), or the device
	// rule it breaks (S0.1, S3: docs/device-rules.md) where no failure has one.
	ID     string `json:"id"`
	Device string `json:"device"` // the profile's name
	Field  string `json:"field"`  // the profile key
	Detail string `json:"detail"`
}

func (w Warning) String() string {
	return fmt.Sprintf("%s %s (%s): %s", w.ID, w.Field, w.Device, w.Detail)
}

// Lint lists the warnings of every device of a run, in the order given.
func Lint(profiles ...device.Profile) []Warning {
	out := []Warning{}
	for _, p := range profiles {
		for _, f := range p.Lint() {
			out = append(out, Warning{ID: f.Source, Device: p.Name, Field: f.Field, Detail: f.Text})
		}
	}
	return out
}

// Warnings prints one line per warning, before the table: they explain the
// failures that follow.
func (t *Table) Warnings(ws []Warning) {
	for _, w := range ws {
		fmt.Fprintln(t.w, "warning: "+w.String())
	}
}
