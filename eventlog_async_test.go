package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
)

// stuckWriter is a stdout nobody reads: once stuck, Write waits until
// released.
type stuckWriter struct {
	syncBuffer
	mu      sync.Mutex
	stuck   bool
	release chan struct{}
	waiting chan struct{} // closed when a write first waits
	once    sync.Once
}

func newStuckWriter() *stuckWriter {
	return &stuckWriter{syncBuffer: syncBuffer{wake: make(chan struct{}, 1)}, release: make(chan struct{}), waiting: make(chan struct{})}
}

func (w *stuckWriter) stick() { w.mu.Lock(); w.stuck = true; w.mu.Unlock() }

func (w *stuckWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	stuck := w.stuck
	w.mu.Unlock()
	if stuck {
		w.once.Do(func() { close(w.waiting) })
		<-w.release
	}
	return w.syncBuffer.Write(p)
}

// TestMockLogOffRequestPath: mock-apns --headless whose stdout stops being
// read still answers every push at once; the lines come when stdout moves
// again, one per push (the default --log push), each with its answer, topic
// and token. Before, the log wrote each event on the request path, and the
// first push waited for stdout.
func TestMockLogOffRequestPath(t *testing.T) {
	out := newStuckWriter()
	ca := t.TempDir() + "/ca.pem"
	root := rootCommand()
	root.SetOut(out)
	root.SetErr(out)
	root.SetArgs([]string{"mock-apns", "--headless", "--listen", "127.0.0.1:0", "--device-link", "", "--ca-out", ca, "--topic", "org.example.app"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	url := waitOut(t, &out.syncBuffer, done, regexp.MustCompile(`(?s)listening on (https://\S+).*topics: `))
	out.stick()

	const pushes = 20
	answered := make(chan error, 1)
	go func() {
		var err error
		for i := 0; i < pushes && err == nil; i++ {
			err = pushStatus(url, ca, 403) // no provider key, no token: 403 MissingProviderToken
		}
		answered <- err
	}()
	select {
	case err := <-answered:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("pushes not answered while stdout was stuck: the log is on the request path")
	}
	close(out.release)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	var push int
	for _, l := range lines {
		if strings.Contains(l, " received ") {
			t.Errorf("--log push printed a receipt line: %q", l)
		}
		if strings.Contains(l, " rejected ") {
			push++
			for _, want := range []string{`status="403"`, `reason="MissingProviderToken"`, `topic="org.example.app"`, `push_type="alert"`, `token="abababab…abab"`} {
				if !strings.Contains(l, want) {
					t.Errorf("push line %q lacks %s", l, want)
				}
			}
		}
	}
	if push != pushes {
		t.Errorf("%d push lines, want %d:\n%s", push, pushes, out.String())
	}
	if !strings.Contains(lines[len(lines)-2], "mock APNs: shutting down") || strings.Contains(out.String(), "not logged") {
		t.Errorf("want the shutdown line last and no drops:\n%s", out.String())
	}
}

// TestAsyncLogDrops: a log whose writer is stuck never holds up Emit; what
// the full queue cannot take is counted, marked in the log where it
// happened, and reported at exit, and every event is either written or
// counted.
func TestAsyncLogDrops(t *testing.T) {
	w := newStuckWriter()
	w.stick()
	log := newAsyncLog(mockLog(w), logEvent)
	const total = 3 * logQueue
	emitted := make(chan struct{})
	go func() {
		defer close(emitted)
		for i := range total {
			log.Emit(flow.Event{Stage: flow.StageAPNs, Name: "accepted", ApnsID: fmt.Sprint(i), Attrs: map[string]string{"status": "200"}})
		}
	}()
	select {
	case <-emitted:
	case <-time.After(20 * time.Second):
		t.Fatal("Emit blocked on a stuck writer")
	}
	<-w.waiting
	close(w.release)
	line, err := log.Close()
	if err != nil {
		t.Fatal(err)
	}
	d := log.Dropped()
	written := strings.Count(w.String(), " accepted ")
	if d == 0 || uint64(written)+d != total {
		t.Fatalf("%d written + %d dropped, want %d in all and some dropped", written, d, total)
	}
	if !strings.Contains(w.String(), "not logged here: the log fell behind") {
		t.Error("no drop marker in the log")
	}
	if !strings.Contains(line, flow.FormatCount(d)+" events not logged") {
		t.Errorf("exit line %q, want the %d drops", line, d)
	}
}

// TestLogModes: --log push prints one line per push (its answer, with what
// its receipt said), event one per event, none nothing; a line that is no
// event (a device link) is printed in every mode; a bad --log is a usage
// error.
func TestLogModes(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	events := []flow.Event{
		{Time: at, Stage: flow.StageAPNs, Name: "received", ApnsID: "A-1", Attrs: map[string]string{"topic": "org.example.app", "push_type": "voip", "token": "abcd…ef01"}},
		{Time: at, Stage: flow.StageAPNs, Name: "accepted", ApnsID: "A-1", Attrs: map[string]string{"status": "200"}},
		{Time: at, Stage: flow.StageCallKit, Name: "pushkit-delivered", ApnsID: "A-1", Attrs: map[string]string{"device": "stand-in"}},
	}
	tests := []struct {
		mode string
		want []string
	}{
		{"push", []string{
			`03:04:05.000 apns      accepted             apns-id=A-1 status="200" topic="org.example.app" push_type="voip" token="abcd…ef01"`,
			"device link up: x"}},
		{"event", []string{
			`03:04:05.000 apns      received             apns-id=A-1 topic="org.example.app" push_type="voip" token="abcd…ef01"`,
			`03:04:05.000 apns      accepted             apns-id=A-1 status="200"`,
			`03:04:05.000 callkit   pushkit-delivered    apns-id=A-1 device="stand-in"`,
			"device link up: x"}},
		{"none", []string{"device link up: x"}},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			mode, err := parseLogMode(tt.mode)
			if err != nil {
				t.Fatal(err)
			}
			var b syncBuffer
			log := newAsyncLog(mockLog(&b), mode)
			for _, e := range events {
				log.Emit(e)
			}
			log.Line("device link up: x")
			if l, err := log.Close(); l != "" || err != nil {
				t.Fatalf("close: %q %v", l, err)
			}
			if got := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n"); strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
	code, _, errOut := runCmd(t, "mock-apns", "--headless", "--log", "lines")
	if code != 2 || !strings.Contains(errOut, `--log "lines": want push, event or none`) {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

// pushStatus sends one alert over HTTP/2 to the mock, trusting its CA, and
// wants status.
func pushStatus(url, caFile string, status int) error {
	got, err := postAlert(url, caFile)
	if err == nil && got != status {
		err = fmt.Errorf("status %d, want %d", got, status)
	}
	return err
}

// postAlert sends one alert over HTTP/2 to the mock, trusting its CA, and
// returns the answer's status.
func postAlert(url, caFile string) (int, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return 0, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest("POST", url+"/3/device/"+strings.Repeat("ab", 32), strings.NewReader(`{"aps":{"alert":"hi"}}`))
	req.Header.Set("apns-topic", "org.example.app")
	req.Header.Set("apns-push-type", "alert")
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// BenchmarkAsyncLogEmit is the log's cost on the request path: a push's
// receipt and answer queued from 64 connections at once (--log push), the
// lines written to a discarding stdout by the log's own goroutine.
func BenchmarkAsyncLogEmit(b *testing.B) {
	log := newAsyncLog(mockLog(io.Discard), logPush)
	recv := flow.Event{Stage: flow.StageAPNs, Name: "received", ApnsID: "5e1c2d3a-0b4f-4c6d-8e9f-a0b1c2d3e4f5",
		Attrs: map[string]string{"topic": "org.example.app", "push_type": "alert", "token": "abababab…abab", "payload_bytes": "700"}}
	ans := flow.Event{Stage: flow.StageAPNs, Name: "accepted", ApnsID: recv.ApnsID, Attrs: map[string]string{"status": "200"}}
	b.SetParallelism(32)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			log.Emit(recv)
			log.Emit(ans)
		}
	})
	b.StopTimer()
	if _, err := log.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(log.Dropped())/float64(b.N), "drops/op")
}
