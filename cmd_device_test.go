package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/callscope/callscope/transport/apns"
	"github.com/callscope/callscope/transport/apnsmock"
)

// TestDeviceUsageErrors: the device command's bad flags exit 2 naming the flag.
func TestDeviceUsageErrors(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"device"}, "--ca"},
		{[]string{"device", "--ca", filepath.Join(dir, "none.pem")}, "--ca"},
		{[]string{"device", "--ca", notPEM}, "--ca " + notPEM + ": no PEM certificate"},
		{[]string{"device", "--apns-device-link", "nohost"}, "--apns-device-link"},
		{[]string{"device", "--bogus"}, "--bogus"},
		{[]string{"device", "extra"}, "unknown command"},
	}
	ca := writeTestCA(t, dir)
	tests = append(tests, []struct {
		args []string
		want string
	}{
		{[]string{"device", "--ca", ca, "--time-scale", "0"}, "--time-scale"},
		{[]string{"device", "--ca", ca, "--token", "xyz"}, "--token"},
		{[]string{"device", "--ca", ca, "--device-set", "nse_budget=soon"}, "nse_budget"},
		{[]string{"device", "--ca", ca, "--keys", "nobody"}, "--keys"},
		{[]string{"device", "--ca", ca, "--scheme", "rot13"}, "--scheme"},
		{[]string{"device", "--ca", ca, "--topic", "a b"}, "--topic"},
		{[]string{"device", "--ca", ca, "--events-to", "ftp://x"}, "--events-to"},
	}...)
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Setenv("XDG_DATA_HOME", dir)
			root := rootCommand()
			var out bytes.Buffer
			root.SetOut(&out)
			root.SetErr(&out)
			root.SetArgs(tt.args)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := root.ExecuteContext(ctx)
			if code := exitStatus(err); code != 2 {
				t.Fatalf("exit %d (err %v), want 2", code, err)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") {
				t.Fatalf("error %q: want one line naming %q", msg, tt.want)
			}
		})
	}
}

func writeTestCA(t *testing.T, dir string) string {
	t.Helper()
	m, err := apnsmock.New(apnsmock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	p := filepath.Join(dir, "real-ca.pem")
	if err := m.WriteCA(p); err != nil {
		t.Fatal(err)
	}
	return p
}

// proc is a callscope process whose stdout lines a test waits on.
type proc struct {
	cmd   *exec.Cmd
	mu    sync.Mutex
	lines []string
	wake  chan struct{}
	done  chan error
}

func start(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	return startEnv(t, nil, bin, args...)
}

// startEnv starts bin with env added to the test's environment.
func startEnv(t *testing.T, env []string, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(bin, args...), wake: make(chan struct{}, 1), done: make(chan error, 1)}
	p.cmd.Dir = t.TempDir()
	if env != nil {
		p.cmd.Env = append(os.Environ(), env...)
	}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = p.cmd.Stdout
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			p.mu.Unlock()
			select {
			case p.wake <- struct{}{}:
			default:
			}
		}
		p.done <- p.cmd.Wait()
	}()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
		}
	})
	return p
}

// wait returns the first line matching re (its submatches), or fails at the deadline.
func (p *proc) wait(t *testing.T, what string, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		p.mu.Lock()
		for _, l := range p.lines {
			if m := re.FindStringSubmatch(l); m != nil {
				p.mu.Unlock()
				return m
			}
		}
		p.mu.Unlock()
		select {
		case <-p.wake:
		case <-deadline:
			p.mu.Lock()
			defer p.mu.Unlock()
			t.Fatalf("no %s within 15 s; output:\n%s", what, strings.Join(p.lines, "\n"))
		}
	}
}

// stop sends SIGINT and expects a clean exit.
func (p *proc) stop(t *testing.T, name string) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("%s on SIGINT: %v", name, err)
		}
	case <-time.After(10 * time.Second):
		t.Errorf("%s did not exit within 10 s of SIGINT", name)
	}
}

// TestDeviceProcessGetsCurlPush: callscope mock-apns and callscope device run
// as two processes; the device links over TLS, and a push sent with curl (or
// Go's HTTP/2 client without curl) with mutable-content 1 is accepted for the
// linked token, crosses the link, and the device process shows its NSE stages.
func TestDeviceProcessGetsCurlPush(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := buildCallscope(t)
	mock := startMock(t, bin, dir, "--stand-in=false", "--device", "00")
	url, link, ca := mock.url, mock.link, mock.ca

	dev := start(t, bin, "device", "--apns-device-link", link, "--ca", ca, "--topic", "org.example.app")
	tok := dev.wait(t, "device token", regexp.MustCompile(`^device token\s+([0-9a-f]+)$`))[1]
	dev.wait(t, "link up", regexp.MustCompile(`^link up`))
	mock.wait(t, "the mock's link up", regexp.MustCompile(`^device link up: `+tok[:8]))

	payload := `{"aps":{"alert":{"title":"New message"},"mutable-content":1}}`
	status, apnsID := pushHTTP2(t, url+"/3/device/"+tok, ca, mock.jwt, payload)
	if status != 200 {
		t.Fatalf("push to the linked token: status %d", status)
	}
	id := regexp.QuoteMeta(apnsID)
	mock.wait(t, "delivered over the link", regexp.MustCompile(`apns\s+delivered\s+apns-id=`+id+` link="tls 127\.0\.0\.1:\d+"`))
	for _, stage := range []string{`extension push-received\s+apns-id=` + id + ` push_type="alert"`,
		`extension nse-launch\s+apns-id=` + id + ` simulated=`,
		`extension did-receive\s+apns-id=` + id,
		`extension placeholder-shown\s+apns-id=` + id + `.* — E_`} {
		dev.wait(t, stage, regexp.MustCompile(stage))
	}
	dev.stop(t, "device")
	mock.wait(t, "the mock's link down", regexp.MustCompile(`^device link down: `+tok[:8]))
	mock.stop(t, "mock-apns")
}

var built struct {
	once     sync.Once
	dir, bin string
	err      error
}

// buildCallscope builds the binary once for the process tests; TestMain
// removes it.
func buildCallscope(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "callscope-bin"); built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "callscope")
		if out, err := exec.Command("go", "build", "-o", built.bin, ".").CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		_ = os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// pushHTTP2 sends one push with curl when it is on PATH, else with Go's
// HTTP/2 client, and returns the status and apns-id.
func pushHTTP2(t *testing.T, url, ca, jwt, payload string) (int, string) {
	t.Helper()
	return pushHTTP2With(t, url, ca, jwt, payload, nil)
}

// pushHTTP2With is pushHTTP2 with more headers.
func pushHTTP2With(t *testing.T, url, ca, jwt, payload string, extra map[string]string) (int, string) {
	t.Helper()
	hdr := map[string]string{"authorization": "bearer " + jwt, "apns-topic": "org.example.app", "apns-push-type": "alert"}
	maps.Copy(hdr, extra)
	if curl, err := exec.LookPath("curl"); err == nil {
		args := []string{"-sS", "-o", "/dev/null", "-D", "-", "--http2", "--max-time", "10", "--cacert", ca, "-d", payload}
		for k, v := range hdr {
			args = append(args, "-H", k+": "+v)
		}
		out, err := exec.Command(curl, append(args, url)...).Output()
		if err != nil {
			t.Fatalf("curl: %v", err)
		}
		var status int
		var id string
		for _, l := range strings.Split(string(out), "\n") {
			l = strings.TrimSpace(l)
			if strings.HasPrefix(l, "HTTP/2 ") {
				fmt.Sscanf(l, "HTTP/2 %d", &status)
			}
			if v, ok := strings.CutPrefix(strings.ToLower(l), "apns-id: "); ok {
				id = v
			}
		}
		return status, id
	}
	pem, err := os.ReadFile(ca)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	c := &http.Client{Timeout: 10 * time.Second, Transport: apns.Transport(&tls.Config{RootCAs: pool})}
	req, _ := http.NewRequest("POST", url, strings.NewReader(payload))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, strings.ToLower(resp.Header.Get("apns-id"))
}
