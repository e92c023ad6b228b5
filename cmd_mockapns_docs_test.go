package main

import (
	"context"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callscope/callscope/transport/apns"
)

// syncBuffer is a writer a test reads while a command writes it.
type syncBuffer struct {
	mu   sync.Mutex
	b    strings.Builder
	wake chan struct{}
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// mockStartup runs mock-apns in process until it has printed its start-up
// lines, and returns them with every port replaced by PORT.
func mockStartup(t *testing.T, extra ...string) []string {
	t.Helper()
	out := &syncBuffer{wake: make(chan struct{}, 1)}
	root := rootCommand()
	root.SetOut(out)
	root.SetErr(out)
	root.SetArgs(append([]string{"mock-apns", "--headless", "--listen", "127.0.0.1:0", "--device-link", "127.0.0.1:0",
		"--ca-out", "ca.pem", "--provider-key", "ABC1234567:TEAM123456:AuthKey_ABC1234567.p8", "--topic", "org.example.app"}, extra...))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	deadline := time.After(10 * time.Second)
	for !strings.Contains(out.String(), "\ndevices: ") {
		select {
		case <-out.wake:
		case err := <-done:
			cancel()
			t.Fatalf("mock-apns ended: %v\n%s", err, out.String())
		case <-deadline:
			cancel()
			t.Fatalf("no start-up lines within 10 s:\n%s", out.String())
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	text, _, _ := strings.Cut(out.String(), "mock APNs: shutting down")
	return strings.Split(portless(strings.TrimSpace(text)), "\n")
}

var port = regexp.MustCompile(`127\.0\.0\.1:\d+`)

func portless(s string) string { return port.ReplaceAllString(s, "127.0.0.1:PORT") }

// docBlock is the first fenced block after the line containing after.
func docBlock(t *testing.T, doc, after string) []string {
	t.Helper()
	_, rest, ok := strings.Cut(doc, after)
	if !ok {
		t.Fatalf("docs/mock-apns.md has no %q", after)
	}
	_, rest, _ = strings.Cut(rest, "```\n")
	block, _, _ := strings.Cut(rest, "```")
	return strings.Split(portless(strings.TrimSpace(block)), "\n")
}

// TestMockAPNsDocStartup: the start-up output docs/mock-apns.md shows is what
// mock-apns prints, for the documented command and for listed devices with
// store-and-forward faults.
func TestMockAPNsDocStartup(t *testing.T) {
	b, err := os.ReadFile("docs/mock-apns.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	t.Chdir(t.TempDir())
	key, err := apns.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := apns.WriteP8("AuthKey_ABC1234567.p8", key); err != nil {
		t.Fatal(err)
	}
	got := mockStartup(t)
	if want := docBlock(t, doc, "It prints where it listens"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("start-up output:\n%s\n\ndocs/mock-apns.md shows:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	got = mockStartup(t, "--device", "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90", "--stand-in=false",
		"--hold-while-offline", "--delay", "25s")
	want := docBlock(t, doc, "the last lines are:")
	if len(got) < len(want) || strings.Join(got[len(got)-len(want):], "\n") != strings.Join(want, "\n") {
		t.Errorf("start-up output:\n%s\n\ndocs/mock-apns.md shows it ending:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
