package flow

import "strconv"

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// trim formats f with up to prec decimals and no trailing zeros.
func trim(f float64, prec int) string {
	s := strconv.FormatFloat(f, 'f', prec, 64)
	for len(s) > 1 && s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s
}

// FormatCount writes n with thousands separators, 55,904: drop counts are
// read at a glance in a header and an exit line.
func FormatCount(n uint64) string {
	s := strconv.FormatUint(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
