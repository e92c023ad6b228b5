package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"sync"
	"testing"
)

// The HTTP/2 acceptance tests (h2spec_test.go, h2mem_test.go) run the mock
// as users run it, `callscope mock-apns --headless`, beside a yardstick:
// Go's own net/http HTTP/2 server (internal/h2baseline), built and started
// the same way, so both are measured as separate processes.

var baseline struct {
	once sync.Once
	bin  string
	err  error
}

// buildBaseline builds internal/h2baseline once per test binary, beside the
// callscope binary (TestMain removes that directory).
func buildBaseline(t *testing.T) string {
	t.Helper()
	dir := filepath.Dir(buildCallscope(t))
	baseline.once.Do(func() {
		baseline.bin = filepath.Join(dir, "h2baseline")
		if out, err := exec.Command("go", "build", "-o", baseline.bin, "./internal/h2baseline").CombinedOutput(); err != nil {
			baseline.err = fmt.Errorf("go build ./internal/h2baseline: %v\n%s", err, out)
		}
	})
	if baseline.err != nil {
		t.Fatal(baseline.err)
	}
	return baseline.bin
}

var listeningRE = regexp.MustCompile(`listening on https://(\S+)`)

// h2server is one server process under test and the address it serves.
type h2server struct {
	name string // "mock-apns" or "go net/http"
	p    *proc
	addr string
}

func (s h2server) pid() int { return s.p.cmd.Process.Pid }

// startPlainMock starts `callscope mock-apns --headless` with no keys, no
// topics and no device link: the HTTP/2 server alone, as h2spec meets it.
func startPlainMock(t *testing.T, extra ...string) h2server {
	t.Helper()
	args := append([]string{"mock-apns", "--headless", "--listen", "127.0.0.1:0", "--device-link", ""}, extra...)
	p := start(t, buildCallscope(t), args...)
	return h2server{name: "mock-apns", p: p, addr: p.wait(t, "mock URL", listeningRE)[1]}
}

// startGoServer starts the do-nothing net/http HTTP/2 server.
func startGoServer(t *testing.T) h2server {
	t.Helper()
	p := start(t, buildBaseline(t), "--listen", "127.0.0.1:0")
	return h2server{name: "go net/http", p: p, addr: p.wait(t, "baseline URL", listeningRE)[1]}
}

// rssBytes is a process's resident set (VmRSS), vmHWM its peak (VmHWM), from
// /proc; the tests that need them skip on systems without /proc.
func rssBytes(t testing.TB, pid int) int64 { return procStatus(t, pid, "VmRSS:") }
func vmHWM(t testing.TB, pid int) int64    { return procStatus(t, pid, "VmHWM:") }

func procStatus(t testing.TB, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("read %s of pid %d: %v", field, pid, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if v, ok := bytes.CutPrefix(sc.Bytes(), []byte(field)); ok {
			f := bytes.Fields(v) // "123456 kB"
			if len(f) != 2 || string(f[1]) != "kB" {
				t.Fatalf("/proc/%d/status: %s%q", pid, field, v)
			}
			kb, err := strconv.ParseInt(string(f[0]), 10, 64)
			if err != nil {
				t.Fatalf("/proc/%d/status: %s%q: %v", pid, field, v, err)
			}
			return kb << 10
		}
	}
	t.Fatalf("/proc/%d/status: no %s line", pid, field)
	return 0
}

// needProcRSS skips where RSS cannot be read from /proc (anything but Linux).
func needProcRSS(t testing.TB) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skipf("measures RSS from /proc/PID/status, which %s lacks", runtime.GOOS)
	}
}
