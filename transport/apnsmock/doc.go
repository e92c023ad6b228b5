// Package apnsmock is callscope's mock of Apple Push Notification service:
// an HTTP/2-over-TLS server (ALPN h2 only) that validates provider requests
// as APNs does and answers with Apple's statuses and JSON reasons
// (docs/apns-rules.md#responses), then carries accepted pushes over a
// per-device link to simulated devices, as APNs does over a device's
// persistent connection.
//
// It imports flow (events, pushes) and nothing of the device simulation:
// devices link over TLS (transport/devicelink, Config.DeviceLinkAddr) or
// attach in process through the Link interface.
package apnsmock
