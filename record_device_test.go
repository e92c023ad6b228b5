package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/callscope/callscope/flow"
	flowtrace "github.com/callscope/callscope/flow/trace"
)

// TestDeviceAndMockRecord: mock-apns and device, each as its own process
// with --record; after SIGINT each trace has its header, the mock's the
// push as APNs saw it (no JWT signature), the device's its NSE stages.
func TestDeviceAndMockRecord(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := buildCallscope(t)
	mockTrace, devTrace := filepath.Join(dir, "mock.jsonl"), filepath.Join(dir, "device.jsonl.gz")
	mock := startMock(t, bin, dir, "--stand-in=false", "--device", "00", "--record", mockTrace)
	dev := start(t, bin, "device", "--apns-device-link", mock.link, "--ca", mock.ca, "--topic", "org.example.app", "--record", devTrace)
	tok := dev.wait(t, "device token", regexp.MustCompile(`^device token\s+([0-9a-f]+)$`))[1]
	dev.wait(t, "link up", regexp.MustCompile(`^link up`))
	mock.wait(t, "the mock's link up", regexp.MustCompile(`^device link up: `+tok[:8]))
	payload := `{"aps":{"alert":{"title":"New message"},"mutable-content":1}}`
	status, apnsID := pushHTTP2(t, mock.url+"/3/device/"+tok, mock.ca, mock.jwt, payload)
	if status != 200 {
		t.Fatalf("push: status %d", status)
	}
	dev.wait(t, "NSE", regexp.MustCompile(`extension placeholder-shown\s+apns-id=`+regexp.QuoteMeta(apnsID)))
	dev.stop(t, "device")
	mock.stop(t, "mock-apns")

	for _, tc := range []struct {
		path, mode string
		want       func(flow.Event) bool
	}{
		{mockTrace, "mock-apns", func(e flow.Event) bool {
			return e.Name == "received" && e.ApnsID == apnsID && e.Push != nil && string(e.Push.Payload) == payload &&
				strings.HasSuffix(e.Push.Headers["authorization"], "."+flow.SignatureRedacted)
		}},
		{devTrace, "device", func(e flow.Event) bool {
			return e.Stage == flow.StageExtension && e.Name == "placeholder-shown" && e.ApnsID == apnsID
		}},
	} {
		fi, err := os.Stat(tc.path)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v %v", tc.path, fi, err)
		}
		r, err := flowtrace.Open(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		h, err := r.Header()
		r.Close()
		if err != nil || h == nil || h.Mode != tc.mode {
			t.Fatalf("%s: header %+v %v", tc.path, h, err)
		}
		ev, err := flowtrace.Load(tc.path, func(le *flowtrace.LineError) { t.Errorf("%v", le) })
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range ev {
			found = found || tc.want(e)
		}
		if !found {
			t.Fatalf("%s: the expected event is not in %d events", tc.path, len(ev))
		}
	}
	raw, _ := os.ReadFile(mockTrace)
	if sig := mock.jwt[strings.LastIndex(mock.jwt, ".")+1:]; strings.Contains(string(raw), sig) {
		t.Fatal("the JWT's signature reached the mock's trace")
	}
}
