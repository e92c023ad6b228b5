package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"charm.land/fang/v2"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/trace"
	"github.com/callscope/callscope/transport/apnsmock"
)

// TestMockAPNsLostEventsFail: mock-apns --events-to to an endpoint that
// refuses every batch, run in process as the shell runs it: the events not
// delivered come back as the command's error (stderr, exit status 1), not
// discarded on the way out.
func TestMockAPNsLostEventsFail(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		answer string
		code   int
		errHas string // in the error line; "" for none
		outHas string // in stdout's exit lines
		outNot string
	}{
		{name: "endpoint refuses", status: 500, code: 1, errHas: "events not delivered", outHas: "0 events delivered"},
		{name: "endpoint takes them", status: 200, answer: `{"accepted":N,"queued":N,"dropped":0,"rejected":0,"errors":[]}`, code: 0,
			outHas: "2 events delivered", outNot: "⚠"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			posted := make(chan struct{}, 16)
			ep := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body) // N: the lines of this batch
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, strings.ReplaceAll(tc.answer, "N", strconv.Itoa(bytes.Count(body, []byte("\n")))))
				posted <- struct{}{}
			}))
			defer ep.Close()
			t.Setenv("CALLSCOPE_INGEST_TOKEN", "")
			ca := filepath.Join(t.TempDir(), "ca.pem")
			out := &syncBuffer{wake: make(chan struct{}, 1)}
			var errOut bytes.Buffer
			root := rootCommand()
			root.SetOut(out)
			root.SetErr(&errOut)
			root.SetArgs([]string{"mock-apns", "--headless", "--listen", "127.0.0.1:0", "--device-link", "127.0.0.1:0", "--ca-out", ca,
				"--topic", "org.example.app", "--events-to", ep.URL + "/v1/events"})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- root.ExecuteContext(ctx) }()
			url := waitOut(t, out, done, regexp.MustCompile(`listening on (https://\S+)`))
			push(t, url, ca) // no provider key: 403, and two events (received, rejected)
			select {
			case <-posted:
			case <-time.After(10 * time.Second):
				t.Fatal("no batch reached the endpoint")
			}
			cancel()
			err := <-done
			if got := exitStatus(err); got != tc.code {
				t.Fatalf("exit %d, want %d (error %v)", got, tc.code, err)
			}
			if tc.errHas != "" {
				var line bytes.Buffer
				printError(&line, fang.Styles{}, err)
				if !strings.HasPrefix(line.String(), "callscope: --events-to "+ep.URL) || !strings.Contains(line.String(), tc.errHas) {
					t.Errorf("stderr %q, want the --events-to URL and %q", line.String(), tc.errHas)
				}
			}
			if !strings.Contains(out.String(), tc.outHas) || tc.outNot != "" && strings.Contains(out.String(), tc.outNot) {
				t.Errorf("stdout:\n%s\nwant %q", out.String(), tc.outHas)
			}
		})
	}
}

// TestMockOutputsClose: what --record and --events-to lost becomes the
// error (exit 1) and what they delivered the exit lines, for each output.
func TestMockOutputsClose(t *testing.T) {
	// The sink may post the three events in one batch or several: answer
	// each batch for the lines in it, so the totals do not depend on that.
	ep := func(status int, answer string) string {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			w.WriteHeader(status)
			_, _ = io.WriteString(w, strings.ReplaceAll(answer, "N", strconv.Itoa(bytes.Count(body, []byte("\n")))))
		}))
		t.Cleanup(s.Close)
		return s.URL
	}
	for _, tc := range []struct {
		name      string
		eventsTo  string // "" for none
		failAfter int    // --record's writes that succeed; -1 for no --record
		errHas    []string
		lineHas   string
	}{
		{name: "nothing", failAfter: -1},
		{name: "record fine", failAfter: 100},
		{name: "record fails", failAfter: 1, errHas: []string{"--record trace.jsonl: 2 events not recorded (1 written)", "disk full"}},
		{name: "events-to refused", eventsTo: ep(503, ""), failAfter: -1, errHas: []string{"3 of 3 events not delivered"}, lineHas: "0 events delivered"},
		{name: "the screen dropped", eventsTo: ep(200, `{"accepted":N,"queued":0,"dropped":N,"rejected":0}`), failAfter: -1,
			lineHas: "3 events delivered; ⚠ the screen there dropped 3 of them"},
		{name: "both fail", eventsTo: ep(500, ""), failAfter: 0, errHas: []string{"--record trace.jsonl: 3 events not recorded", "--events-to"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var o mockOutputs
			var sinks []flow.Sink
			if tc.failAfter >= 0 {
				o.record, o.rec = "trace.jsonl", trace.NewRecorder(&failingWriter{after: tc.failAfter})
				sinks = append(sinks, o.rec)
			}
			if tc.eventsTo != "" {
				is, err := apnsmock.NewIngestSink(tc.eventsTo, "")
				if err != nil {
					t.Fatal(err)
				}
				o.is = is
				sinks = append(sinks, is)
			}
			for range 3 {
				for _, s := range sinks {
					s.Emit(flow.Event{TraceID: "0af7651916cd43dd8448eb211c80319c", Stage: flow.StageAPNs, Name: "received"})
				}
			}
			lines, err := o.close()
			if len(tc.errHas) == 0 && err != nil {
				t.Fatalf("error %v, want none", err)
			}
			for _, h := range tc.errHas {
				if err == nil || !strings.Contains(err.Error(), h) {
					t.Errorf("error %v, want %q", err, h)
				}
			}
			if err != nil && exitStatus(err) != 1 {
				t.Errorf("exit %d, want 1", exitStatus(err))
			}
			if tc.lineHas != "" && !strings.Contains(strings.Join(lines, "\n"), tc.lineHas) {
				t.Errorf("lines %q, want %q", lines, tc.lineHas)
			}
		})
	}
}

type failingWriter struct{ after, writes int }

func (w *failingWriter) Write(p []byte) (int, error) {
	w.writes++
	if w.writes > w.after {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

// waitOut waits for re in the command's output and returns its first group.
func waitOut(t *testing.T, out *syncBuffer, done <-chan error, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		select {
		case <-out.wake:
		case err := <-done:
			t.Fatalf("ended: %v\n%s", err, out.String())
		case <-deadline:
			t.Fatalf("no %s within 10 s:\n%s", re, out.String())
		}
	}
}

// push sends one alert over HTTP/2 to the mock, trusting its CA.
func push(t *testing.T, url, caFile string) {
	t.Helper()
	if _, err := postAlert(url, caFile); err != nil {
		t.Fatal(err)
	}
}
