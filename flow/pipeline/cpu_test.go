//go:build unix

package pipeline

import (
	"syscall"
	"time"
)

// processCPU is the user+system CPU time this process has used: every
// stage of the pipeline runs in it, so its growth over a benchmark is the
// whole call's CPU cost, whatever else loads the machine.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
