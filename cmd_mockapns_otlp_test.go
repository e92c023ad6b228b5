package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// TestMockAPNsOTLPFile: mock-apns --otlp-file writes each push it took as an
// OpenTelemetry trace, finished once the mock stops; --otlp-file - is
// refused (stdout is the mock's log).
func TestMockAPNsOTLPFile(t *testing.T) {
	dir := t.TempDir()
	ca, file := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "mock.otlp.json")
	out := &syncBuffer{wake: make(chan struct{}, 1)}
	var errOut bytes.Buffer
	root := rootCommand()
	root.SetOut(out)
	root.SetErr(&errOut)
	root.SetArgs([]string{"mock-apns", "--headless", "--listen", "127.0.0.1:0", "--device-link", "127.0.0.1:0", "--ca-out", ca,
		"--topic", "org.example.app", "--otlp-file", file})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	url := waitOut(t, out, done, regexp.MustCompile(`listening on (https://\S+)`))
	push(t, url, ca) // no provider key: 403, and its events (received, rejected)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("mock-apns: %v\n%s", err, out.String())
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	spans := 0
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		req := ptraceotlp.NewExportRequest()
		if err := req.UnmarshalJSON(line); err != nil {
			t.Fatalf("not OTLP JSON: %v: %.200s", err, line)
		}
		spans += req.Traces().SpanCount()
	}
	if spans == 0 || !strings.Contains(out.String(), "otlp "+file) {
		t.Fatalf("%d spans in %s; stdout:\n%s", spans, file, out.String())
	}

	root = rootCommand()
	root.SetOut(&bytes.Buffer{})
	root.SetErr(&bytes.Buffer{})
	root.SetArgs([]string{"mock-apns", "--headless", "--listen", "127.0.0.1:0", "--otlp-file", "-"})
	if err := root.ExecuteContext(context.Background()); exitStatus(err) != 2 || !strings.Contains(err.Error(), "--otlp-file -") {
		t.Fatalf("--otlp-file -: %v (exit %d), want a usage error", err, exitStatus(err))
	}
}
