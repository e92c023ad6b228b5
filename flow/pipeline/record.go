package pipeline

import (
	"encoding/json"

	"github.com/callscope/callscope/flow/device"
	flowtrace "github.com/callscope/callscope/flow/trace"
)

// RecordHeader is the trace header of a run of p: its endpoints, the
// environment and the callee's device profile, so that a replay or a
// re-run knows what the trace was recorded against.
func RecordHeader(mode string, p *Pipeline, prof device.Profile, plaintext bool) flowtrace.Header {
	provider, apns := p.Endpoints()
	// The embedded APNs is the sandbox; the profile says which token the
	// device holds.
	h := flowtrace.Header{Mode: mode, Environment: "sandbox", Plaintext: plaintext,
		Endpoints: map[string]string{"server": provider, "apns": apns}}
	if b, err := json.Marshal(prof); err == nil {
		h.Devices = []flowtrace.Device{{Name: "callee", Profile: b}}
	}
	return h
}
