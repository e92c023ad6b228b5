package apns_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/sideshow/apns2"

	"github.com/callscope/callscope/transport/apns"
	"github.com/callscope/callscope/transport/apnsmock"
)

func TestResolveHost(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"", apns.HostSandbox, ""}, {"sandbox", apns.HostSandbox, ""}, {"production", apns.HostProduction, ""},
		{"https://127.0.0.1:2197/", "https://127.0.0.1:2197", ""}, {"http://127.0.0.1:2197", "", "HTTP/2 over TLS only"},
	}
	for _, tc := range tests {
		got, err := apns.ResolveHost(tc.in)
		if got != tc.want || (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("ResolveHost(%q) = %q, %v; want %q, %q", tc.in, got, err, tc.want, tc.err)
		}
	}
}

// TestClientAgainstMock: the provider's client pushes to the mock over the
// HTTP/2-only transport; a fresh JWT signed from a written .p8 verifies.
func TestClientAgainstMock(t *testing.T) {
	key, err := apns.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	p8 := filepath.Join(t.TempDir(), "key.p8")
	if err := apns.WriteP8(p8, key); err != nil {
		t.Fatal(err)
	}
	loaded, err := apns.LoadP8(p8)
	if err != nil {
		t.Fatal(err)
	}
	m, err := apnsmock.New(apnsmock.Config{Topics: []string{"org.example.app"}, AnyDevice: true,
		Keys: []apnsmock.ProviderKey{{KeyID: "KEYID00001", TeamID: "TEAM000001", Public: &loaded.PublicKey}}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	tests := []struct {
		name, kid, team string
		want            int
		err             string
	}{
		{"valid", "KEYID00001", "TEAM000001", 200, ""},
		{"short key id", "KEY", "TEAM000001", 0, "10 characters"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := apns.NewClient(apns.Config{Host: m.URL(), KeyID: tc.kid, TeamID: tc.team, Key: key, RootCAs: m.RootCAs()})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			res, err := c.Push(&apns2.Notification{DeviceToken: "abcd", Topic: "org.example.app", Payload: []byte(`{"aps":{}}`)})
			if err != nil || res.StatusCode != tc.want {
				t.Fatalf("%+v %v", res, err)
			}
		})
	}
}

// TestClientReusesItsJWT: the apns2 client NewClient builds (callscope's
// provider server's) signs once and reuses the token on every push: the
// mock answers a second token on a connection within 20 minutes 429
// TooManyProviderTokenUpdates, so every push being 200 shows it.
func TestClientReusesItsJWT(t *testing.T) {
	key, err := apns.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	m, err := apnsmock.New(apnsmock.Config{Topics: []string{"org.example.app"}, AnyDevice: true,
		Keys: []apnsmock.ProviderKey{{KeyID: "KEYID00001", TeamID: "TEAM000001", Public: &key.PublicKey}}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	c, err := apns.NewClient(apns.Config{Host: m.URL(), KeyID: "KEYID00001", TeamID: "TEAM000001", Key: key, RootCAs: m.RootCAs()})
	if err != nil {
		t.Fatal(err)
	}
	first := c.Token.Bearer
	for i := range 5 {
		res, err := c.Push(&apns2.Notification{DeviceToken: "abcd", Topic: "org.example.app", Payload: []byte(`{"aps":{}}`)})
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("push %d: %+v %v", i, res, err)
		}
	}
	if c.Token.Bearer != first {
		t.Fatal("the client signed a new token within its 50 minutes")
	}
}
