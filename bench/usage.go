package bench

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Usage is what a stretch of a benchmark cost: CPU time (user+system),
// heap allocations (this process only) and peak resident memory.
type Usage struct {
	CPU time.Duration
	// Allocs is -1 where it cannot be measured (another process).
	Allocs  int64
	PeakRSS int64 // bytes
}

// Add sums two usages, for a benchmark that ran this process and a child:
// CPU and allocations add up, peak RSS adds too (both were resident at
// once, at worst).
func (u Usage) Add(o Usage) Usage {
	allocs := u.Allocs + o.Allocs
	if u.Allocs < 0 || o.Allocs < 0 {
		allocs = max(u.Allocs, o.Allocs)
	}
	return Usage{CPU: u.CPU + o.CPU, Allocs: allocs, PeakRSS: u.PeakRSS + o.PeakRSS}
}

// Apply writes u per operation into r: CPUPerOpNS, AllocsPerOp (left nil
// when unmeasurable) and PeakRSS.
func (u Usage) Apply(r *Result, ops int64) {
	r.PeakRSS = u.PeakRSS
	if ops <= 0 {
		return
	}
	r.CPUPerOpNS = float64(u.CPU.Nanoseconds()) / float64(ops)
	if u.Allocs >= 0 {
		a := float64(u.Allocs) / float64(ops)
		r.AllocsPerOp = &a
	}
}

// snapshot is this process's CPU time (user+system, getrusage of itself
// and its waited-for children) and heap allocations at one moment.
type snapshot struct {
	cpu     time.Duration
	mallocs uint64
}

func snapshotNow() snapshot {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return snapshot{cpu: selfCPU(), mallocs: ms.Mallocs}
}

// since is what the process used from `from` to s (no peak RSS).
func (s snapshot) since(from snapshot) Usage {
	return Usage{CPU: s.cpu - from.cpu, Allocs: int64(s.mallocs - from.mallocs)}
}

// Meter measures this process over a stretch of a benchmark, with peak
// RSS as VmHWM reset at the start where Linux lets us
// (/proc/self/clear_refs), so that one benchmark's peak is not an earlier
// one's; elsewhere the process's lifetime peak from getrusage.
type Meter struct {
	from  snapshot
	reset bool
}

// StartMeter starts measuring this process.
func StartMeter() *Meter {
	m := &Meter{reset: ResetPeakRSS(os.Getpid()) == nil}
	m.from = snapshotNow()
	return m
}

// Stop returns what the process used since StartMeter.
func (m *Meter) Stop() Usage {
	u := snapshotNow().since(m.from)
	u.PeakRSS = selfPeakRSS()
	if m.reset {
		if rss, err := PeakRSS(os.Getpid()); err == nil {
			u.PeakRSS = rss
		}
	}
	return u
}

// userHZ is the unit of /proc/PID/stat's times: USER_HZ, 100 on every
// Linux architecture Go supports (the kernel fixes it for user space).
const userHZ = 100

// ProcCPU is the user+system CPU time process pid and its waited-for
// children have used, from /proc/PID/stat.
func ProcCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return procStatCPU(b)
}

// procStatCPU reads utime, stime, cutime and cstime (fields 14–17). The
// command name (field 2) is in parentheses and may hold spaces and
// parentheses itself: fields are counted after its last ')'.
func procStatCPU(b []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc stat: no command name")
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state): field n is f[n-3].
	if len(f) < 15 {
		return 0, fmt.Errorf("/proc stat: %d fields", len(f)+2)
	}
	var ticks int64
	for _, s := range f[11:15] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc stat: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// PeakRSS is process pid's peak resident set (VmHWM), in bytes.
func PeakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	return statusKB(b, "VmHWM:")
}

func statusKB(b []byte, key string) (int64, error) {
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("/proc status %s %w", key, err)
			}
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("/proc status: no %s", key)
}

// ResetPeakRSS sets process pid's VmHWM back to its current RSS (Linux ≥
// 4.0, writing 5 to /proc/PID/clear_refs), so that a peak is this
// benchmark's own.
func ResetPeakRSS(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}
