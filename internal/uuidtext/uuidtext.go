// Package uuidtext checks the text form of a UUID, for the envelope's
// call_uuid and APNs' apns-id alike.
package uuidtext

// Valid reports whether s is ^[0-9A-Fa-f]{8}-([0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}$,
// the canonical 8-4-4-4-12 form in either case (Apple asks for lowercase
// apns-ids; apns2's README sends uppercase), without a regexp: every push
// and every request's envelope goes through it.
func Valid(s string) bool {
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
