package apns

// Hint returns a one-line suggestion for an APNs reason string (Apple's table
// in "Handling notification responses from APNs").
func Hint(reason string) string {
	if h, ok := hints[reason]; ok {
		return h
	}
	return "see Apple's table of APNs reasons for " + reason
}

var hints = map[string]string{
	"BadCollapseId":              "apns-collapse-id must be at most 64 bytes",
	"BadDeviceToken":             "token malformed or from the other environment: sandbox tokens only work on api.sandbox.push.apple.com; don't retry",
	"BadExpirationDate":          "apns-expiration must be a UNIX time in seconds",
	"BadMessageId":               "apns-id must be a UUID (8-4-4-4-12 lowercase hex)",
	"BadPriority":                "apns-priority must be 10, 5 or 1",
	"BadTopic":                   "apns-topic must be the app's bundle id (with the push type's suffix)",
	"DeviceTokenNotForTopic":     "the token belongs to another app, or is a regular APNs token sent to the .voip topic (PushKit tokens differ)",
	"DuplicateHeaders":           "a header was sent twice",
	"IdleTimeout":                "the connection sat idle: reconnect and retry",
	"InvalidPushType":            "apns-push-type must be one of Apple's values and match the topic suffix",
	"MissingDeviceToken":         "the :path has no device token",
	"MissingTopic":               "token auth needs apns-topic on every push",
	"PayloadEmpty":               "the body is empty",
	"TopicDisallowed":            "this key or certificate may not push to this topic, or a PushKit VoIP token was sent to the plain bundle topic",
	"BadCertificate":             "the client certificate is invalid or expired",
	"BadCertificateEnvironment":  "the certificate is for the other environment",
	"ExpiredProviderToken":       "the JWT's iat is over an hour old: sign a new token (every 20-60 min)",
	"Forbidden":                  "APNs does not allow this action; don't retry",
	"InvalidProviderToken":       "the JWT is malformed or its signature does not verify with the key id and team",
	"MissingProviderToken":       "no authorization: bearer header and no client certificate",
	"UnrelatedKeyIdInToken":      "this key is not related to the connection's first key: open a new connection",
	"BadEnvironmentKeyIdInToken": "the key is scoped to the other environment",
	// The spelling field reports show for the same error (docs/apns-rules.md#reasons).
	"BadEnvironmentKeyInToken":    "the key is scoped to the other environment",
	"BadPath":                     "the :path must be /3/device/<token>",
	"MethodNotAllowed":            "APNs only accepts POST",
	"ExpiredToken":                "the device token expired: stop sending to it",
	"Unregistered":                "the app was removed or notifications turned off: stop sending until it registers again",
	"PayloadTooLarge":             "payload over 4096 bytes (5120 for voip): shrink the envelope",
	"TooManyProviderTokenUpdates": "a new JWT more than once per 20 minutes on one connection: share one token",
	"TooManyRequests":             "too many pushes to one device: back off",
	"InternalServerError":         "APNs failed: retry with back-off",
	"ServiceUnavailable":          "APNs is unavailable: retry with back-off",
	"Shutdown":                    "APNs is shutting the connection down: reconnect",
}
