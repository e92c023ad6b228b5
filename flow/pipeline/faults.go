package pipeline

import (
	"time"

	"github.com/callscope/callscope/flow/device"
	"github.com/callscope/callscope/transport/apnsmock"
)

// APNsFaults are conditions at APNs that scenarios inject.
type APNsFaults struct {
	Unregistered bool          `toml:"unregistered"`  // the device token is unregistered: 410
	UnknownToken bool          `toml:"unknown_token"` // the token belongs to the other environment
	JWTAge       time.Duration `toml:"jwt_age"`       // the provider signs with an iat this old (its clock is behind)
	Offline      bool          `toml:"offline"`       // the devices are not yet linked to APNs: they link in ConnectDevices
	// Reconnect brings offline devices back while the request is still up:
	// as soon as APNs has kept (hold_while_offline), stored or dropped its
	// first push (scenario.Run does it).
	Reconnect bool `toml:"reconnect"`
	// The mock's store-and-forward faults, written as mock-apns's flags
	// take them (docs/mock-apns.md): "20s" or "voip=20s" for Delay, a
	// selector ("all", "voip") for HoldWhileOffline, "2" or "alert=2" for
	// Reorder. Their delays pass on the run's clock.
	Delay            []string `toml:"delay"`
	HoldWhileOffline []string `toml:"hold_while_offline"`
	Reorder          []string `toml:"reorder"`
	// Latency is added before every answer in wall time, as mock-apns
	// --latency adds it: a slower APNs, measured as such (send
	// --mock-latency, to record a run diff can compare).
	Latency time.Duration `toml:"latency"`
}

// Forward parses the store-and-forward faults. The error is a
// *device.FieldError naming the TOML key.
func (a APNsFaults) Forward() (apnsmock.Forward, error) {
	var fw apnsmock.Forward
	bad := func(key string, err error) (apnsmock.Forward, error) {
		return apnsmock.Forward{}, &device.FieldError{Field: key, Msg: err.Error()}
	}
	for _, v := range a.Delay {
		r, err := apnsmock.ParseDelay(v)
		if err != nil {
			return bad("delay", err)
		}
		fw.Delay = append(fw.Delay, r)
	}
	for _, v := range a.HoldWhileOffline {
		sel, err := apnsmock.ParseSelector(v)
		if err != nil {
			return bad("hold_while_offline", err)
		}
		fw.HoldWhileOffline = append(fw.HoldWhileOffline, sel)
	}
	for _, v := range a.Reorder {
		r, err := apnsmock.ParseReorder(v)
		if err != nil {
			return bad("reorder", err)
		}
		fw.Reorder = append(fw.Reorder, r)
	}
	return fw, nil
}
