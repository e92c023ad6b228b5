//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal: the command writes to tty as it would
// to a person's terminal; the test reads what it drew from the master.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	fd := int(m.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		t.Skipf("cannot unlock a pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		m.Close()
		t.Skipf("no pseudo-terminal number: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Skipf("cannot open the pseudo-terminal: %v", err)
	}
	return m, s
}

// readAll collects what is drawn on the terminal until it is closed.
func readAll(m *os.File) <-chan []byte {
	got := make(chan []byte, 1)
	go func() {
		var b bytes.Buffer
		_, _ = io.Copy(&b, m) // ends with EIO once the tty side is closed
		got <- b.Bytes()
	}()
	return got
}

// TestBenchProgressOnATerminal: on a terminal bench draws the Bubbles
// progress bar while it runs, erases it before the summary, and draws
// the latency histograms; with --json on the same terminal it draws no
// bar at all.
func TestBenchProgressOnATerminal(t *testing.T) {
	for _, tt := range []struct {
		args []string
		bar  bool
	}{
		{[]string{"fast"}, true},
		{[]string{"fast", "--json"}, false},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			m, tty := openPTY(t)
			defer m.Close()
			got := readAll(m)
			code := runBenchCmd(t, tty, tt.args...)
			tty.Close()
			out := string(<-got)
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, out)
			}
			drew := strings.Contains(out, "[1/1] fast") && strings.Contains(out, "\x1b[2K")
			if drew != tt.bar {
				t.Fatalf("progress bar drawn: %v, want %v\n%q", drew, tt.bar, out)
			}
			if tt.bar {
				if !strings.Contains(out, "✓ fast (") {
					t.Fatalf("no line for the finished benchmark:\n%q", out)
				}
				if !strings.Contains(out, "DISTRIBUTION") || !strings.ContainsAny(out, "▁▂▃▄▅▆▇█") {
					t.Fatalf("no histogram in the summary on a terminal:\n%q", out)
				}
				// The bar is gone before the table starts.
				table := out[strings.Index(out, "BENCHMARK"):]
				if strings.Contains(table, "[1/1]") {
					t.Fatalf("the bar is drawn within the summary:\n%q", table)
				}
			}
		})
	}
}

// TestSendOnATerminal: on a terminal send draws the stages' histograms
// beside p50/p95/p99, and a progress bar only for more than a few hundred
// requests; piped it draws neither (TestSendThreshold).
func TestSendOnATerminal(t *testing.T) {
	for _, tt := range []struct {
		count string
		bar   bool
	}{{"5", false}, {"400", true}} {
		t.Run(tt.count, func(t *testing.T) {
			t.Setenv("XDG_DATA_HOME", t.TempDir())
			m, tty := openPTY(t)
			defer m.Close()
			got := readAll(m)
			root := rootCommand()
			root.SetOut(tty)
			root.SetErr(tty)
			root.SetArgs([]string{"send", "--count", tt.count, "--concurrency", "5"})
			err := root.ExecuteContext(context.Background())
			tty.Close()
			out := string(<-got)
			if code := exitStatus(err); code != 0 {
				t.Fatalf("exit %d\n%s", code, out)
			}
			if drew := strings.Contains(out, tt.count+" calls ") && strings.Contains(out, "\x1b[2K"); drew != tt.bar {
				t.Fatalf("progress bar drawn: %v, want %v\n%q", drew, tt.bar, out)
			}
			summary := out[strings.Index(out, "STAGE"):]
			if !strings.Contains(summary, "DISTRIBUTION") || !strings.ContainsAny(summary, "▁▂▃▄▅▆▇█") {
				t.Fatalf("no histograms in the summary:\n%q", summary)
			}
			if strings.Contains(summary, "\x1b[2K") {
				t.Fatalf("the bar is drawn within the summary:\n%q", summary)
			}
		})
	}
}
