package apns

import (
	"fmt"
	"strings"
)

// Context is what Explain knows about the push that drew a reason: the
// host (a base URL, as ResolveHost returns), the push type, the topic and
// the authentication ("token" or "certificate"; "" when unknown).
type Context struct {
	Host     string
	PushType string
	Topic    string
	Auth     string
}

// Hint returns a one-line explanation of an APNs reason without knowing the
// push; Explain says more when it does.
func Hint(reason string) string { return Explain(reason, Context{}) }

// Explain returns one line for an APNs reason string (Apple's table in
// "Handling notification responses from APNs",
// https://developer.apple.com/documentation/usernotifications/handling-notification-responses-from-apns):
// what it means for this push and the likely fix. Unknown reasons say so.
func Explain(reason string, c Context) string {
	if f, ok := contextual[reason]; ok {
		if s := f(c); s != "" {
			return s
		}
	}
	if s, ok := explanations[reason]; ok {
		return s
	}
	if reason == "" {
		return "APNs gave no reason: an answer without Apple's JSON body is probably not from APNs (a proxy or the wrong host?)"
	}
	return "not a reason Apple documents: see Apple's table, \"Handling notification responses from APNs\""
}

// explanations are the context-free lines, one per reason in Apple's table
// plus the spelling field reports show for the environment-key reason
// (docs/apns-rules.md#reasons).
var explanations = map[string]string{
	"BadCollapseId":     "apns-collapse-id must be at most 64 bytes (bytes, not characters): shorten it",
	"BadDeviceToken":    "the token is malformed or from the other environment: sandbox tokens only work on api.sandbox.push.apple.com, production tokens on api.push.apple.com; don't retry",
	"BadExpirationDate": "apns-expiration must be a UNIX time in seconds (0: deliver once or never), not milliseconds or a date",
	"BadMessageId":      "apns-id must be a UUID (8-4-4-4-12 lowercase hex), or left out for APNs to make one",
	"BadPriority":       "apns-priority must be 10, 5 or 1",
	"BadTopic":          "apns-topic is not a valid topic: the app's bundle id plus the push type's suffix (.voip, .complication, …)",
	"DeviceTokenNotForTopic": "the device token belongs to another app or another kind of push: a regular APNs token sent to the .voip topic " +
		"(PushKit tokens differ), or a token of another bundle id; don't retry",
	"DuplicateHeaders":   "a header was sent twice: send each apns-* header once (an added header may repeat one the client sets)",
	"IdleTimeout":        "the connection sat idle too long and APNs closed it: reconnect and retry",
	"InvalidPushType":    "apns-push-type is not one of Apple's eleven, or does not fit the topic's suffix (voip needs .voip, alert the bare bundle id)",
	"MissingDeviceToken": "the :path has no device token: /3/device/<hex token>",
	"MissingTopic":       "the push has no apns-topic: token auth (and a certificate for several topics) needs it on every push",
	"PayloadEmpty":       "the body is empty: APNs needs a JSON payload with an aps dictionary",
	"TopicDisallowed": "this key or certificate may not push to this topic (another team's app, a topic-specific key for another bundle id), " +
		"or a PushKit VoIP token was sent to the plain bundle topic",
	"BadCertificate":            "the client certificate is invalid, expired or not issued by Apple: download a new APNs certificate",
	"BadCertificateEnvironment": "the client certificate is for the other environment: a sandbox certificate on api.push.apple.com or the reverse",
	"ExpiredProviderToken": "the JWT's iat is over an hour old (or the provider's clock is behind): sign a new token every 20-60 minutes " +
		"and check the clock",
	"Forbidden":             "APNs does not allow this action for this app or key; don't retry",
	"InvalidProviderToken":  "the JWT is malformed, or its signature does not verify with the key id (kid) and team id (iss): check both ids and that the .p8 is that key",
	"MissingProviderToken":  "no authorization: bearer header and no client certificate: sign a provider token (JWT) with your .p8, or connect with an APNs certificate",
	"UnrelatedKeyIdInToken": "this key is not related to the key this connection started with (a team key after a topic-specific key, or the reverse): open a new connection for it",
	"BadEnvironmentKeyIdInToken": "the signing key is scoped to the other environment: use a key for this host's environment (or a key for both), " +
		"or the other host",
	"BadEnvironmentKeyInToken": "the signing key is scoped to the other environment (Apple spells it BadEnvironmentKeyIdInToken): " +
		"use a key for this host's environment, or the other host",
	"BadPath":          "the :path is not /3/device/<token>: check the APNs base URL (it has no path of its own)",
	"MethodNotAllowed": "APNs only accepts POST",
	"ExpiredToken":     "the device token expired: stop sending to it until the app registers again and sends a new one",
	"Unregistered": "the token is no longer active for this topic (app deleted, notifications turned off, or a token of a reinstall): " +
		"stop sending until the app registers again",
	"PayloadTooLarge": "payload over 4096 bytes (5120 for voip): shrink it; the E2EE call request is an alert push, so 4096",
	"TooManyProviderTokenUpdates": "a new JWT more than once per 20 minutes on one connection: sign one token and reuse it for 20-60 minutes " +
		"(callscope does), don't sign per push",
	"TooManyRequests":     "too many pushes in a row to this device token: back off and retry later",
	"InternalServerError": "APNs failed internally: retry later with back-off",
	"ServiceUnavailable":  "APNs is unavailable: retry later with back-off",
	"Shutdown":            "this APNs server is shutting down: reconnect and retry",
}

// contextual refines a reason when the push is known; "" falls back to
// the context-free line.
var contextual = map[string]func(Context) string{
	"BadDeviceToken": func(c Context) string {
		switch Environment(c.Host) {
		case "sandbox":
			s := "the sandbox host refused the token: it is a production token (an App Store or TestFlight build's), malformed"
			if c.PushType != "voip" {
				s += ", or a PushKit VoIP token used for an " + orAlert(c.PushType) + " push"
			}
			return s + "; send it to --apns production, or get the token from a development build"
		case "production":
			return "the production host refused the token: it is a sandbox token (a build run from Xcode, aps-environment " +
				"development) or malformed; send it to --apns sandbox, or get the token from a TestFlight/App Store build"
		}
		return ""
	},
	"DeviceTokenNotForTopic": func(c Context) string {
		switch {
		case c.PushType == "voip":
			return "the token is not a PushKit token of " + BaseTopic(c.Topic) + ": a voip push needs the token PushKit's " +
				"pushRegistry(_:didUpdate:for:) gives, not the one from didRegisterForRemoteNotificationsWithDeviceToken; don't retry"
		case c.Topic != "":
			return "the token belongs to another app than " + c.Topic + " (or is a PushKit token): check the bundle id the app registered " +
				"with and the --topic; don't retry"
		}
		return ""
	},
	"TopicDisallowed": func(c Context) string {
		if c.Topic == "" {
			return ""
		}
		who := "the signing key"
		if c.Auth == "certificate" {
			who = "the certificate"
		}
		s := fmt.Sprintf("%s may not push to %s: it belongs to another team, or is topic-specific for another bundle id", who, c.Topic)
		if c.PushType == "alert" || c.PushType == "" {
			s += "; or the device token is a PushKit VoIP token, which only takes " + BaseTopic(c.Topic) + ".voip"
		}
		return s
	},
	// On a certificate connection a well-formed topic draws BadTopic from
	// the mock (as from Pushy's) when the certificate is another app's;
	// field reports show APNs answering TopicDisallowed for it too.
	"BadTopic": func(c Context) string {
		if c.Auth != "certificate" || c.Topic == "" {
			return ""
		}
		return "the certificate does not cover " + c.Topic + ": a certificate is for one app, its bundle id and that app's .voip " +
			"and .complication topics; leave out --topic to push to the certificate's own app, or use " + BaseTopic(c.Topic) + "'s certificate"
	},
	"InvalidPushType": func(c Context) string {
		if c.PushType == "" {
			return ""
		}
		pt, ok := LookupPushType(c.PushType)
		if !ok {
			return fmt.Sprintf("apns-push-type %q is not one of Apple's: %s", c.PushType, strings.ReplaceAll(PushTypeNames(), "|", ", "))
		}
		return fmt.Sprintf("apns-push-type %s does not fit topic %q: a %s push goes to %s%s", pt.Name, c.Topic, pt.Name, BaseTopic(c.Topic), pt.Suffix)
	},
	"PayloadTooLarge": func(c Context) string {
		if c.PushType == "" {
			return ""
		}
		return fmt.Sprintf("the payload is over %d bytes, the limit for a %s push (voip 5120, all others 4096): shrink it, "+
			"or send less in the envelope", PayloadLimit(c.PushType), c.PushType)
	},
	"BadCertificateEnvironment": func(c Context) string {
		switch Environment(c.Host) {
		case "sandbox":
			return "the certificate is a production certificate and this is the sandbox host: use --apns production, or a development certificate"
		case "production":
			return "the certificate is a development (sandbox) certificate and this is the production host: use --apns sandbox, or a production certificate"
		}
		return ""
	},
	"BadEnvironmentKeyIdInToken": envKey, "BadEnvironmentKeyInToken": envKey,
}

func envKey(c Context) string {
	switch Environment(c.Host) {
	case "sandbox":
		return "the signing key is scoped to production and this is the sandbox host: use a sandbox (or team) key, or --apns production"
	case "production":
		return "the signing key is scoped to sandbox and this is the production host: use a production (or team) key, or --apns sandbox"
	}
	return ""
}

func orAlert(t string) string {
	if t == "" {
		return "alert"
	}
	return t
}
