package apnsmock

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sideshow/apns2"

	"github.com/callscope/callscope/internal/uuidtext"
)

// reasonCase is one of Apple's reasons (docs/apns-rules.md#reasons) and how to provoke it.
type reasonCase struct {
	reason string
	status int
	mod    func(*Config)
	// send provokes the reason; it returns status, reason and apns-id as the
	// client saw them.
	send func(t *testing.T, f *fixture) (int, string, string)
}

// viaApns2 pushes n with apns2, after edit has changed the client.
func viaApns2(n *apns2.Notification, edit func(*testing.T, *fixture, *apns2.Client)) func(*testing.T, *fixture) (int, string, string) {
	return func(t *testing.T, f *fixture) (int, string, string) {
		c := f.client(t)
		if edit != nil {
			edit(t, f, c)
		}
		res, err := c.Push(n)
		if err != nil {
			t.Fatalf("apns2: %v", err)
		}
		if res.StatusCode == 410 && res.Timestamp.IsZero() {
			t.Errorf("410 without a timestamp")
		}
		return res.StatusCode, res.Reason, res.ApnsID
	}
}

// viaRaw sends a request apns2 cannot make, with x/net's HTTP/2 client.
func viaRaw(method, path string, hdr [][2]string, body string) func(*testing.T, *fixture) (int, string, string) {
	return func(t *testing.T, f *fixture) (int, string, string) {
		var h [][2]string
		for _, d := range [][2]string{{"authorization", "bearer " + f.jwt(t)}, {"apns-topic", testTopic}} {
			if !hasHeader(hdr, d[0]) {
				h = append(h, d)
			}
		}
		h = append(h, hdr...)
		r := f.do(t, f.raw(), method, path, h, body)
		if ct := r.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("content-type %q, want application/json", ct)
		}
		var b struct{ Reason string }
		if err := json.Unmarshal([]byte(r.body), &b); err != nil {
			t.Errorf("body %q is not Apple's JSON: %v", r.body, err)
		}
		return r.status, b.Reason, r.header.Get("apns-id")
	}
}

func hasHeader(hdr [][2]string, name string) bool {
	for _, h := range hdr {
		if h[0] == name {
			return true
		}
	}
	return false
}

func with(n *apns2.Notification, edit func(*apns2.Notification)) *apns2.Notification {
	edit(n)
	return n
}

func certCase(opts ClientCertOptions, topic string) func(*testing.T, *fixture) (int, string, string) {
	return func(t *testing.T, f *fixture) (int, string, string) {
		cert, err := f.s.IssueClientCert(opts)
		if err != nil {
			t.Fatal(err)
		}
		n := alertPush(testDevice)
		n.Topic = topic
		res, err := f.certClient(cert).Push(n)
		if err != nil {
			t.Fatalf("apns2: %v", err)
		}
		return res.StatusCode, res.Reason, res.ApnsID
	}
}

const body = `{"aps":{"alert":{"title":"hi"},"mutable-content":1}}`

var reasonCases = []reasonCase{
	{reason: "BadCollapseId", status: 400, send: viaApns2(with(alertPush(testDevice), func(n *apns2.Notification) { n.CollapseID = strings.Repeat("c", 65) }), nil)},
	{reason: "BadDeviceToken", status: 400, send: viaApns2(alertPush("abc"), nil)},
	{reason: "BadDeviceToken", status: 400, send: viaApns2(alertPush(strings.Repeat("ab", 20)), nil)}, // unknown: the other environment's
	{reason: "BadExpirationDate", status: 400, send: viaRaw("POST", "/3/device/"+testDevice, [][2]string{{"apns-expiration", "tomorrow"}}, body)},
	{reason: "BadMessageId", status: 400, send: viaApns2(with(alertPush(testDevice), func(n *apns2.Notification) { n.ApnsID = "not-a-uuid" }), nil)},
	{reason: "BadPriority", status: 400, send: viaApns2(with(alertPush(testDevice), func(n *apns2.Notification) { n.Priority = 7 }), nil)},
	{reason: "BadPriority", status: 400, send: viaApns2(&apns2.Notification{DeviceToken: testDevice, Topic: testTopic, // background at 10
		PushType: apns2.PushTypeBackground, Priority: 10, Payload: []byte(`{"aps":{"content-available":1}}`)}, nil)},
	{reason: "BadPriority", status: 400, send: viaRaw("POST", "/3/device/"+testDevice, // background without apns-priority: 10
		[][2]string{{"apns-push-type", "background"}}, `{"aps":{"content-available":1}}`)},
	{reason: "BadTopic", status: 400, send: certCase(ClientCertOptions{BundleID: testTopic}, "org.other.app")},
	{reason: "DeviceTokenNotForTopic", status: 400, send: viaApns2(with(alertPush(testDevice), func(n *apns2.Notification) {
		n.PushType, n.Topic = apns2.PushTypeVOIP, testTopic+".voip"
	}), nil)},
	{reason: "DuplicateHeaders", status: 400, send: viaRaw("POST", "/3/device/"+testDevice, [][2]string{{"apns-priority", "10"}, {"apns-priority", "5"}}, body)},
	{reason: "IdleTimeout", status: 400, mod: func(c *Config) { c.Faults.Stall, c.IdleTimeout = true, 50*time.Millisecond }, send: viaApns2(alertPush(testDevice), nil)},
	{reason: "InvalidPushType", status: 400, send: viaApns2(with(alertPush(testDevice), func(n *apns2.Notification) { n.PushType = "bogus" }), nil)},
	{reason: "InvalidPushType", status: 400, send: viaApns2(with(alertPush(testDevice), func(n *apns2.Notification) { n.Topic = testTopic + ".voip" }), nil)},
	{reason: "MissingDeviceToken", status: 400, send: viaApns2(alertPush(""), nil)},
	{reason: "MissingTopic", status: 400, send: viaApns2(with(alertPush(testDevice), func(n *apns2.Notification) { n.Topic = "" }), nil)},
	{reason: "PayloadEmpty", status: 400, send: viaRaw("POST", "/3/device/"+testDevice, nil, "")}, // apns2 cannot send an empty body
	{reason: "TopicDisallowed", status: 400, send: viaApns2(with(alertPush(testDevice), func(n *apns2.Notification) { n.Topic = "org.other.app" }), nil)},
	{reason: "TopicDisallowed", status: 400, send: viaApns2(alertPush(testVoIP), nil)}, // a PushKit token on the bundle topic
	{reason: "BadCertificate", status: 403, send: certCase(ClientCertOptions{BundleID: testTopic, NotAfter: time.Now().Add(-time.Hour)}, testTopic)},
	{reason: "BadCertificateEnvironment", status: 403, send: certCase(ClientCertOptions{BundleID: testTopic, Environment: "production"}, testTopic)},
	{reason: "ExpiredProviderToken", status: 403, send: viaApns2(alertPush(testDevice), func(t *testing.T, f *fixture, c *apns2.Client) {
		c.Token = bearer(t, f.key, testKeyID, testTeam, time.Now().Add(-61*time.Minute))
	})},
	{reason: "InvalidProviderToken", status: 403, send: viaApns2(alertPush(testDevice), func(t *testing.T, f *fixture, c *apns2.Client) {
		c.Token = bearer(t, f.key2, testKeyID, testTeam, time.Now()) // signed with the other key
	})},
	{reason: "InvalidProviderToken", status: 403, send: viaApns2(alertPush(testDevice), func(t *testing.T, f *fixture, c *apns2.Client) {
		c.Token = bearer(t, f.key, "KEYID99999", testTeam, time.Now()) // unknown kid
	})},
	{reason: "InvalidProviderToken", status: 403, send: viaApns2(alertPush(testDevice), func(t *testing.T, f *fixture, c *apns2.Client) {
		c.Token = bearer(t, f.key, testKeyID, "TEAM999999", time.Now()) // iss is not the key's team
	})},
	{reason: "MissingProviderToken", status: 403, send: viaRaw("POST", "/3/device/"+testDevice, [][2]string{{"authorization", ""}}, body)},
	{reason: "UnrelatedKeyIdInToken", status: 403, mod: func(c *Config) {
		c.Keys[0].Topics, c.Keys[1].Topics = []string{testTopic}, []string{testTopic} // two unrelated topic-specific keys
	}, send: func(t *testing.T, f *fixture) (int, string, string) {
		c := f.client(t)
		if res, err := c.Push(alertPush(testDevice)); err != nil || res.StatusCode != 200 {
			t.Fatalf("first push: %v %v", res, err)
		}
		c.Token = bearer(t, f.key2, testKeyID2, testTeam, time.Now())
		res, err := c.Push(alertPush(testDevice))
		if err != nil {
			t.Fatal(err)
		}
		return res.StatusCode, res.Reason, res.ApnsID
	}},
	{reason: "BadEnvironmentKeyIdInToken", status: 403, mod: func(c *Config) { c.Keys[0].Environment = "production" }, send: viaApns2(alertPush(testDevice), nil)},
	{reason: "BadEnvironmentKeyInToken", status: 403, mod: func(c *Config) { // the field's spelling, by the switch
		c.Keys[0].Environment, c.BadEnvironmentKeyReason = "production", "BadEnvironmentKeyInToken"
	}, send: viaApns2(alertPush(testDevice), nil)},
	{reason: "BadPath", status: 404, send: viaRaw("POST", "/4/broadcasts/apps/"+testTopic, nil, body)},
	{reason: "BadPath", status: 404, send: viaRaw("POST", "//3/device/"+testDevice, nil, body)},
	{reason: "MethodNotAllowed", status: 405, send: viaRaw("GET", "/3/device/"+testDevice, nil, "")},
	{reason: "ExpiredToken", status: 410, send: viaApns2(alertPush(testExpired), nil)},
	{reason: "Unregistered", status: 410, send: viaApns2(alertPush(testGone), nil)},
	{reason: "PayloadTooLarge", status: 413, send: viaApns2(with(alertPush(testDevice), func(n *apns2.Notification) {
		n.Payload = []byte(`{"aps":{},"x":"` + strings.Repeat("x", maxPayload) + `"}`)
	}), nil)},
	{reason: "PayloadTooLarge", status: 413, send: viaApns2(&apns2.Notification{DeviceToken: testVoIP, Topic: testTopic + ".voip", PushType: apns2.PushTypeVOIP,
		Payload: []byte(`{"x":"` + strings.Repeat("x", maxVoIPPayload) + `"}`)}, nil)},
	{reason: "TooManyProviderTokenUpdates", status: 429, send: func(t *testing.T, f *fixture) (int, string, string) {
		c := f.client(t)
		if res, err := c.Push(alertPush(testDevice)); err != nil || res.StatusCode != 200 {
			t.Fatalf("first push: %v %v", res, err)
		}
		c.Token = bearer(t, f.key, testKeyID, testTeam, time.Now().Add(-time.Minute)) // a new token, same key
		res, err := c.Push(alertPush(testDevice))
		if err != nil {
			t.Fatal(err)
		}
		return res.StatusCode, res.Reason, res.ApnsID
	}},
	{reason: "TooManyRequests", status: 429, mod: func(c *Config) { c.Faults.TooManyRequests = 1 }, send: func(t *testing.T, f *fixture) (int, string, string) {
		c := f.client(t)
		if res, err := c.Push(alertPush(testDevice)); err != nil || res.StatusCode != 200 {
			t.Fatalf("first push: %v %v", res, err)
		}
		res, err := c.Push(alertPush(testDevice))
		if err != nil {
			t.Fatal(err)
		}
		return res.StatusCode, res.Reason, res.ApnsID
	}},
	{reason: "InternalServerError", status: 500, mod: func(c *Config) { c.Faults.InternalErrorEvery = 1 }, send: viaApns2(alertPush(testDevice), nil)},
	{reason: "ServiceUnavailable", status: 503, mod: func(c *Config) { c.Faults.UnavailableEvery = 1 }, send: viaApns2(alertPush(testDevice), nil)},
	{reason: "Shutdown", status: 503, mod: func(c *Config) { c.Faults.Shutdown = true }, send: viaApns2(alertPush(testDevice), nil)},
}

// TestReasons provokes every reason of Apple's table that the mock can
// produce (all but Forbidden, for which Apple names no trigger) through a
// real HTTP/2 client, and checks status, reason and the apns-id header.
func TestReasons(t *testing.T) {
	for _, tc := range reasonCases {
		t.Run(tc.reason, func(t *testing.T) {
			f := newFixture(t, tc.mod)
			status, reason, id := tc.send(t, f)
			if status != tc.status || reason != tc.reason {
				t.Errorf("got %d %q, want %d %q", status, reason, tc.status, tc.reason)
			}
			if !uuidtext.Valid(id) {
				t.Errorf("apns-id %q is not a UUID", id)
			}
			e := f.events.wait(t, "rejected", named(id, "rejected"))
			if e.Diagnosis == nil || e.Diagnosis.Apple != tc.reason {
				t.Errorf("rejected event diagnosis %+v, want Apple reason %s", e.Diagnosis, tc.reason)
			}
		})
	}
	seen := map[string]bool{}
	for _, tc := range reasonCases {
		seen[tc.reason] = true
	}
	for _, r := range appleReasons {
		if !seen[r] && r != "Forbidden" {
			t.Errorf("no case for Apple's reason %s", r)
		}
	}
}

// appleReasons is Apple's table (docs/apns-rules.md#reasons).
var appleReasons = []string{"BadCollapseId", "BadDeviceToken", "BadExpirationDate", "BadMessageId", "BadPriority",
	"BadTopic", "DeviceTokenNotForTopic", "DuplicateHeaders", "IdleTimeout", "InvalidPushType", "MissingDeviceToken",
	"MissingTopic", "PayloadEmpty", "TopicDisallowed", "BadCertificate", "BadCertificateEnvironment",
	"ExpiredProviderToken", "Forbidden", "InvalidProviderToken", "MissingProviderToken", "UnrelatedKeyIdInToken",
	"BadEnvironmentKeyIdInToken", "BadPath", "MethodNotAllowed", "ExpiredToken", "Unregistered", "PayloadTooLarge",
	"TooManyProviderTokenUpdates", "TooManyRequests", "InternalServerError", "ServiceUnavailable", "Shutdown"}
