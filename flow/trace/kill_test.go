package trace

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestKill9LosesAtMostTheLastLine: a child process records as fast as it
// can and is killed with SIGKILL mid-run; the trace loads with every line
// whole except, at most, the last one.
func TestKill9LosesAtMostTheLastLine(t *testing.T) {
	if path := os.Getenv("CALLSCOPE_TRACE_CHILD"); path != "" {
		recordForever(path)
		return
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	for _, name := range []string{"k.jsonl", "k.jsonl.gz"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), name)
			cmd := exec.Command(os.Args[0], "-test.run=^TestKill9LosesAtMostTheLastLine$")
			cmd.Env = append(os.Environ(), "CALLSCOPE_TRACE_CHILD="+path)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// The child says when 5000 events are on disk, then goes on.
			sc := bufio.NewScanner(out)
			for sc.Scan() && sc.Text() != "recorded" {
			}
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			cmd.Wait()
			var bad []*LineError
			ev, err := Load(path, func(le *LineError) { bad = append(bad, le) })
			if strings.HasSuffix(name, ".gz") {
				// gzip is flushed on the timer: what was flushed loads, and
				// the cut is reported as such.
				if err != nil && !strings.Contains(err.Error(), "gzip stream ends early") {
					t.Fatalf("Load: %v", err)
				}
			} else if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if len(ev) < 5000 {
				t.Fatalf("%d events, want at least the 5000 written before the kill", len(ev))
			}
			if len(bad) > 1 {
				t.Fatalf("%d bad lines, want at most the last: %v", len(bad), bad[:2])
			}
			if len(bad) == 1 && !strings.Contains(bad[0].Reason, "truncated last line") {
				t.Fatalf("bad line %v is not the truncated last one", bad[0])
			}
		})
	}
}

func recordForever(path string) {
	rec, err := Create(path)
	if err != nil {
		os.Exit(3)
	}
	for i := 0; ; i++ {
		rec.Emit(event(i))
		if i == 5000 {
			rec.Flush()
			if strings.HasSuffix(path, ".gz") {
				rec.mu.Lock()
				rec.syncLocked() // as the timer would
				rec.mu.Unlock()
			}
			os.Stdout.WriteString("recorded\n")
		}
	}
}
