//go:build unix

package bench

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// pipeCPU is the user+system CPU time of this process: every stage of the
// in-process pipeline runs in it.
func pipeCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// pipeRSS is the resident set now, from /proc on Linux; 0 where there is
// no /proc (pipePeakRSS still answers there).
func pipeRSS() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}

// pipePeakRSS is the process's peak resident set (ru_maxrss: KiB on Linux,
// bytes on macOS).
func pipePeakRSS() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	if pipeMaxRSSBytes {
		return int64(ru.Maxrss)
	}
	return int64(ru.Maxrss) * 1024
}
