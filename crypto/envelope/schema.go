package envelope

import (
	"errors"
	"fmt"
)

// isUUID is ^[0-9A-Fa-f]{8}-([0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}$ without a
// regexp: every request's call_uuid goes through it.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// CheckPlaintext is the receiver's schema (check E_PAYLOAD): the sender
// applies it before sealing, so what a receiver would refuse is never sent.
func CheckPlaintext(p Plaintext) error {
	switch p.Type {
	case "call.invite", "call.hangup":
		if !isUUID(p.CallUUID) {
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
