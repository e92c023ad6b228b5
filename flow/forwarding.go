package flow

import "time"

// FaultStoredOffline is Forwarding.Fault for a push APNs stored because its
// device's link was down, and delivered when the device linked again. It is
// no mock fault: APNs does it, and the device's connection decided it.
const FaultStoredOffline = "stored while offline"

// Forwarding is what APNs's store-and-forward did to one push between
// accepting it and handing it to the device: the mock's faults (--delay,
// --hold-while-offline, --reorder; docs/mock-apns.md). A device's clock and
// its diagnoses read it, so a failure it causes is laid at APNs's door.
type Forwarding struct {
	// Fault names what held the push, as the flag spells it: "delay 20s",
	// "hold-while-offline", "reorder 2", or FaultStoredOffline (no fault:
	// APNs's own store for a device whose link was down), or several joined
	// by ", ".
	Fault string `json:"fault"`
	// Held is how long APNs kept the push after accepting it.
	Held time.Duration `json:"held_ns"`
	// Simulated: some of Held passed on a simulated clock. Unseen is the
	// part no wall clock saw (all of it on a virtual clock); a simulated
	// device adds it to its clock's reading for this push.
	Simulated bool          `json:"simulated,omitempty"`
	Unseen    time.Duration `json:"unseen_ns,omitempty"`
	// Overtaken counts newer pushes to the device delivered before this one;
	// OvertakenBy is the apns-id of the first of them.
	Overtaken   int    `json:"overtaken,omitempty"`
	OvertakenBy string `json:"overtaken_by,omitempty"`
}
