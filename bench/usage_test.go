package bench

import (
	"bufio"
	"crypto/sha256"
	"os"
	"os/exec"
	"testing"
	"time"
)

func TestProcStatCPU(t *testing.T) {
	// The command name holds a space and a parenthesis, as a process may
	// name itself; utime 150, stime 50, cutime 30, cstime 20 ticks.
	line := "1234 (my (odd) cmd) S 1 1234 1234 0 -1 4194560 100 0 0 0 150 50 30 20 20 0 1 0 100 1000 100 18446744073709551615\n"
	got, err := procStatCPU([]byte(line))
	if err != nil || got != 2500*time.Millisecond {
		t.Fatalf("procStatCPU = %v, %v; want 2.5s", got, err)
	}
	if _, err := procStatCPU([]byte("1234 (x) S 1 2")); err == nil {
		t.Fatal("a short line parsed")
	}
}

// TestMeter: the meter sees this process's own work and allocations and
// a peak RSS; /proc gives a child's CPU time and peak RSS.
func TestMeter(t *testing.T) {
	m := StartMeter()
	var sink [][]byte
	sum := sha256.Sum256(nil)
	for i := 0; i < 20000; i++ {
		sum = sha256.Sum256(sum[:])
		sink = append(sink, make([]byte, 64))
	}
	u := m.Stop()
	if u.Allocs < 20000 {
		t.Errorf("allocs %d, want at least 20,000", u.Allocs)
	}
	if u.PeakRSS <= 0 {
		t.Errorf("peak RSS %d", u.PeakRSS)
	}
	var r Result
	u.Apply(&r, 20000)
	if r.AllocsPerOp == nil || *r.AllocsPerOp < 1 || r.PeakRSS != u.PeakRSS {
		t.Errorf("Apply: %+v", r)
	}
	if len(sink) == 0 {
		t.Fatal()
	}

	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc here")
	}
	// A child that works for a while (ticks are 10 ms), says so, then
	// waits to be killed: its pid stays the same (exec).
	cmd := exec.Command("sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; echo done; exec sleep 60")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	cpu0, err := ProcCPU(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bufio.NewReader(stdout).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	cpu1, err := ProcCPU(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if rss, err := PeakRSS(cmd.Process.Pid); cpu1 <= cpu0 || err != nil || rss <= 0 {
		t.Fatalf("child: CPU %v → %v, peak RSS %d (%v): want CPU time and a peak RSS", cpu0, cpu1, rss, err)
	}
}
