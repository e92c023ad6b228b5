package envelope

import (
	"errors"
	"fmt"

	"github.com/callscope/callscope/internal/uuidtext"
)

// CheckPlaintext is the receiver's schema (check E_PAYLOAD): the sender
// applies it before sealing, so what a receiver would refuse is never sent.
func CheckPlaintext(p Plaintext) error {
	switch p.Type {
	case "call.invite", "call.hangup":
		if !uuidtext.Valid(p.CallUUID) {
			return fmt.Errorf("call_uuid %q is not a UUID", p.CallUUID)
		}
	case "message":
	default:
		return fmt.Errorf("unknown type %q: want call.invite, call.hangup or message", p.Type)
	}
	// Every request names its sender: CallKit shows the handle for a call,
	// the notification shows it for a message.
	if p.Caller == nil || p.Caller.Handle == "" {
		return errors.New("caller.handle is missing")
	}
	switch p.Caller.HandleType {
	case "generic", "phone", "email":
	default:
		return fmt.Errorf("caller.handle_type %q: want generic, phone or email", p.Caller.HandleType)
	}
	return nil
}
