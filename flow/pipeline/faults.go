package pipeline

import (
	"github.com/callscope/callscope/flow/device"
	"github.com/callscope/callscope/transport/apnsmock"
)

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
