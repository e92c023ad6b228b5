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
