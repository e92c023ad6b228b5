package bench

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
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

// Meter measures this process over a stretch of a benchmark: CPU time from
// getrusage (self and waited-for children), allocations from
// runtime.MemStats, and peak RSS as VmHWM, reset at the start where Linux
// lets us (/proc/self/clear_refs), so that one benchmark's peak is not an
// earlier one's; elsewhere the process's lifetime peak from getrusage.
type Meter struct {
	cpu     time.Duration
	mallocs uint64
	reset   bool
}

// StartMeter starts measuring this process.
func StartMeter() *Meter {
	m := &Meter{reset: ResetPeakRSS(os.Getpid()) == nil}
	m.cpu = selfCPU()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m.mallocs = ms.Mallocs
	return m
}

// Stop returns what the process used since StartMeter.
func (m *Meter) Stop() Usage {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	u := Usage{CPU: selfCPU() - m.cpu, Allocs: int64(ms.Mallocs - m.mallocs)}
	if m.reset {
		if rss, err := PeakRSS(os.Getpid()); err == nil {
			u.PeakRSS = rss
			return u
		}
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		u.PeakRSS = int64(ru.Maxrss) * 1024 // kilobytes on Linux
	}
	return u
}

func selfCPU() time.Duration {
	var d time.Duration
	for _, who := range []int{syscall.RUSAGE_SELF, syscall.RUSAGE_CHILDREN} {
		var ru syscall.Rusage
		if syscall.Getrusage(who, &ru) == nil {
			d += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	return d
}

// ProcMeter measures another process (the mock that `bench apns` starts)
// from /proc while it runs: CPU time from /proc/PID/stat, peak RSS from
// VmHWM in /proc/PID/status, reset at the start. Allocations are not
// measurable from outside.
type ProcMeter struct {
	pid int
	cpu time.Duration
}

// StartProcMeter starts measuring process pid.
func StartProcMeter(pid int) (*ProcMeter, error) {
	cpu, err := ProcCPU(pid)
	if err != nil {
		return nil, err
	}
	_ = ResetPeakRSS(pid) // without it, the peak is since the process started
	return &ProcMeter{pid: pid, cpu: cpu}, nil
}

// Stop returns what the process used since StartProcMeter. Call it before
// the process exits: /proc forgets it then.
func (m *ProcMeter) Stop() (Usage, error) {
	cpu, err := ProcCPU(m.pid)
	if err != nil {
		return Usage{}, err
	}
	rss, err := PeakRSS(m.pid)
	if err != nil {
		return Usage{}, err
	}
	return Usage{CPU: cpu - m.cpu, Allocs: -1, PeakRSS: rss}, nil
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

// RSS is process pid's resident set now (VmRSS), in bytes: soak samples it
// to show memory stays flat.
func RSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	return statusKB(b, "VmRSS:")
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
