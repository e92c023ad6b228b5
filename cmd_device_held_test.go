package main

import (
	"regexp"
	"testing"
)

// TestDeviceGetsHeldPushAfterRestart is the standalone path of
// docs/device-link.md with the store-and-forward faults: the device process
// stops, a push with apns-expiration 0 is held by --hold-while-offline, and
// when the device starts again with the same token the push arrives after
// --delay. The mock's events say what it did, and so does the device's log
// (the forward record in the push frame), not only the mock's.
func TestDeviceGetsHeldPushAfterRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildCallscope(t)
	dir := t.TempDir()
	mock := startMock(t, bin, dir, "--hold-while-offline", "--delay", "300ms")
	url, link, ca := mock.url, mock.link, mock.ca

	const tok = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	args := []string{"device", "--apns-device-link", link, "--ca", ca, "--topic", "org.example.app", "--token", tok, "--time-scale", "100"}
	dev := start(t, bin, args...)
	dev.wait(t, "link up", regexp.MustCompile(`^link up`))
	mock.wait(t, "the mock's link up", regexp.MustCompile(`^device link up: `+tok[:8]))
	dev.stop(t, "device")
	mock.wait(t, "the mock's link down", regexp.MustCompile(`^device link down: `+tok[:8]))

	status, apnsID := pushHTTP2With(t, url+"/3/device/"+tok, ca, mock.jwt,
		`{"aps":{"alert":{"title":"While you were away"},"mutable-content":1}}`, map[string]string{"apns-expiration": "0"})
	if status != 200 {
		t.Fatalf("push to the offline device: status %d", status)
	}
	id := regexp.QuoteMeta(apnsID)
	mock.wait(t, "held while offline", regexp.MustCompile(`apns\s+held\s+apns-id=`+id+` fault="hold-while-offline"`))

	again := start(t, bin, args...)
	// The push is not in APNs's store (expiration 0) but held by the fault:
	// the device's line must not say APNs holds none.
	again.wait(t, "link up again", regexp.MustCompile(`^link up .*; APNs sends 0 stored push\(es\) first \(a push its faults hold comes when they release it\)$`))
	again.wait(t, "the forward record", regexp.MustCompile(
		`apns\s+forwarded\s+apns-id=`+id+` fault="hold-while-offline, delay 300ms" held="[^"]+ \(measured by APNs\)"`))
	again.wait(t, "the held push", regexp.MustCompile(`extension push-received\s+apns-id=`+id))
	for _, ev := range []string{`released\s+apns-id=` + id + ` fault="hold-while-offline" held="[^"]+" after="device reconnected"`,
		`released\s+apns-id=` + id + ` fault="delay 300ms" held="[^"]+ \(measured\)"`,
		`delivered\s+apns-id=` + id + ` link="tls `} {
		mock.wait(t, ev, regexp.MustCompile(`apns\s+`+ev))
	}
	again.stop(t, "device")
	mock.stop(t, "mock-apns")
}
