package main

import (
	"path/filepath"
	"regexp"
	"testing"

	"github.com/sideshow/apns2/token"

	"github.com/callscope/callscope/transport/apns"
)

// mockProc is a `callscope mock-apns --headless` process for the process
// tests: one provider key, topic org.example.app, a device link.
type mockProc struct {
	*proc
	url, link, ca string
	jwt           string // a provider token for the key
}

// startMock starts mock-apns with its files in dir and extra flags. Its log
// has a line per event (--log event): the tests wait for what became of a
// push (held, delivered), which the default one line per push leaves out.
func startMock(t *testing.T, bin, dir string, extra ...string) *mockProc {
	t.Helper()
	key, err := apns.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	p8 := filepath.Join(dir, "key.p8")
	if err := apns.WriteP8(p8, key); err != nil {
		t.Fatal(err)
	}
	m := &mockProc{ca: filepath.Join(dir, "ca.pem")}
	args := append([]string{"mock-apns", "--headless", "--listen", "127.0.0.1:0", "--device-link", "127.0.0.1:0",
		"--ca-out", m.ca, "--provider-key", "KEYID00001:TEAM000001:" + p8, "--topic", "org.example.app", "--log", "event"}, extra...)
	m.proc = start(t, bin, args...)
	m.url = m.wait(t, "mock URL", regexp.MustCompile(`listening on (https://\S+)`))[1]
	m.link = m.wait(t, "device link address", regexp.MustCompile(`^device link: (\S+) `))[1]
	bearer := &token.Token{AuthKey: key, KeyID: "KEYID00001", TeamID: "TEAM000001"}
	bearer.GenerateIfExpired()
	m.jwt = bearer.Bearer
	return m
}
