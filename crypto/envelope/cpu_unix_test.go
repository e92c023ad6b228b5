//go:build unix

package envelope

import (
	"syscall"
	"time"
)

// processCPU is this process's user+system CPU time: on a machine shared
// with other work, wall time per op measures the queue for the CPU as much
// as the code, CPU time per op much less so.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
