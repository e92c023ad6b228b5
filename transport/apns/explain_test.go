package apns_test

import (
	"strings"
	"testing"

	"github.com/callscope/callscope/transport/apns"
)

// appleReasons is Apple's table of response error strings ("Handling
// notification responses from APNs",
// https://developer.apple.com/documentation/usernotifications/handling-notification-responses-from-apns),
// status and reason, in Apple's order.
var appleReasons = []struct {
	status int
	reason string
}{
	{400, "BadCollapseId"}, {400, "BadDeviceToken"}, {400, "BadExpirationDate"}, {400, "BadMessageId"},
	{400, "BadPriority"}, {400, "BadTopic"}, {400, "DeviceTokenNotForTopic"}, {400, "DuplicateHeaders"},
	{400, "IdleTimeout"}, {400, "InvalidPushType"}, {400, "MissingDeviceToken"}, {400, "MissingTopic"},
	{400, "PayloadEmpty"}, {400, "TopicDisallowed"},
	{403, "BadCertificate"}, {403, "BadCertificateEnvironment"}, {403, "ExpiredProviderToken"}, {403, "Forbidden"},
	{403, "InvalidProviderToken"}, {403, "MissingProviderToken"}, {403, "UnrelatedKeyIdInToken"},
	{403, "BadEnvironmentKeyIdInToken"},
	{404, "BadPath"}, {405, "MethodNotAllowed"}, {410, "ExpiredToken"}, {410, "Unregistered"},
	{413, "PayloadTooLarge"}, {429, "TooManyProviderTokenUpdates"}, {429, "TooManyRequests"},
	{500, "InternalServerError"}, {503, "ServiceUnavailable"}, {503, "Shutdown"},
}

// TestEveryAppleReasonIsExplained: each reason in Apple's table has its own
// one-line explanation, with and without knowing the push, on every host.
func TestEveryAppleReasonIsExplained(t *testing.T) {
	unknown := apns.Explain("NoSuchReason", apns.Context{})
	contexts := []apns.Context{{},
		{Host: apns.HostSandbox, PushType: "alert", Topic: "com.example.app", Auth: "token"},
		{Host: apns.HostProduction, PushType: "voip", Topic: "com.example.app.voip", Auth: "certificate"},
		{Host: "https://127.0.0.1:2197", PushType: "background", Topic: "com.example.app"}}
	seen := map[string]bool{}
	for _, r := range appleReasons {
		for _, c := range contexts {
			e := apns.Explain(r.reason, c)
			if e == "" || e == unknown || strings.Contains(e, "\n") {
				t.Errorf("%d %s on %+v: explanation %q", r.status, r.reason, c, e)
			}
		}
		if h := apns.Hint(r.reason); h != apns.Explain(r.reason, apns.Context{}) {
			t.Errorf("Hint(%s) = %q differs from its context-free explanation", r.reason, h)
		}
		if e := apns.Hint(r.reason); seen[e] && r.reason != "BadEnvironmentKeyIdInToken" {
			t.Errorf("%s shares its explanation with another reason: %q", r.reason, e)
		}
		seen[apns.Hint(r.reason)] = true
	}
	if !strings.Contains(unknown, "not a reason Apple documents") {
		t.Errorf("unknown reason: %q", unknown)
	}
}

// TestExplainIsHostAware: where the host or push type changes the likely
// cause, the explanation names it.
func TestExplainIsHostAware(t *testing.T) {
	sandbox := apns.Context{Host: apns.HostSandbox, PushType: "alert", Topic: "com.example.app"}
	prod := apns.Context{Host: apns.HostProduction + ":2197", PushType: "alert", Topic: "com.example.app"}
	voip := apns.Context{Host: apns.HostSandbox, PushType: "voip", Topic: "com.example.app.voip"}
	tests := []struct {
		reason string
		c      apns.Context
		want   []string
		not    []string
	}{
		{"BadDeviceToken", sandbox, []string{"production token", "PushKit", "--apns production"}, []string{"sandbox token"}},
		{"BadDeviceToken", prod, []string{"sandbox token", "--apns sandbox"}, []string{"PushKit"}},
		{"BadDeviceToken", voip, []string{"production token"}, []string{"PushKit VoIP token used for"}},
		{"DeviceTokenNotForTopic", voip, []string{"PushKit", "pushRegistry"}, nil},
		{"DeviceTokenNotForTopic", sandbox, []string{"another app than com.example.app"}, nil},
		{"TopicDisallowed", sandbox, []string{"com.example.app", "com.example.app.voip"}, nil},
		{"BadTopic", apns.Context{Host: "https://127.0.0.1:2197", PushType: "alert", Topic: "com.example.other", Auth: "certificate"},
			[]string{"certificate does not cover com.example.other", "leave out --topic"}, nil},
		{"BadTopic", sandbox, []string{"not a valid topic"}, []string{"certificate"}},
		{"InvalidPushType", apns.Context{PushType: "voip", Topic: "com.example.app"}, []string{"com.example.app.voip"}, nil},
		{"PayloadTooLarge", voip, []string{"5120"}, nil},
		{"PayloadTooLarge", sandbox, []string{"4096"}, nil},
		{"BadCertificateEnvironment", prod, []string{"development (sandbox) certificate", "--apns sandbox"}, nil},
		{"BadEnvironmentKeyIdInToken", sandbox, []string{"scoped to production"}, nil},
		{"BadEnvironmentKeyInToken", prod, []string{"scoped to sandbox"}, nil},
		{"ExpiredProviderToken", sandbox, []string{"20-60 minutes", "clock"}, nil},
		{"TooManyProviderTokenUpdates", sandbox, []string{"reuse it"}, nil},
	}
	for _, tt := range tests {
		e := apns.Explain(tt.reason, tt.c)
		for _, w := range tt.want {
			if !strings.Contains(e, w) {
				t.Errorf("%s on %s/%s: %q lacks %q", tt.reason, tt.c.Host, tt.c.PushType, e, w)
			}
		}
		for _, n := range tt.not {
			if strings.Contains(e, n) {
				t.Errorf("%s on %s/%s: %q should not say %q", tt.reason, tt.c.Host, tt.c.PushType, e, n)
			}
		}
	}
}
