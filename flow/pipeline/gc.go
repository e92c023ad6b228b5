package pipeline

import (
	"os"
	"runtime/debug"
)

// loadGCPercent is the garbage collector's target while a load runs: a
// call allocates ~90 kB and keeps almost none of it, so at thousands of
// calls a second the default (100) collects every few dozen calls, a
// tenth of the CPU on this path. The live heap stays small and flat, so
// four times its size is still tens of megabytes.
const loadGCPercent = 400

// LoadGC sets the collector for a load run (send, bench) unless the user
// chose one with GOGC, and returns what puts it back.
func LoadGC() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(loadGCPercent)
	return func() { debug.SetGCPercent(old) }
}
