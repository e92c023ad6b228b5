//go:build unix

// Package cputime reads this process's CPU time, for benchmarks that
// report CPU per operation: on a machine shared with other work, wall time
// per operation measures the queue for the CPU as much as the code, CPU
// time much less so.
package cputime

import (
	"syscall"
	"time"
)

// Process is the user+system CPU time this process has used, 0 when it
// cannot be read.
func Process() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
