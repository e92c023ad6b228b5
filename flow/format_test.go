package flow

import "testing"

func TestFormatCount(t *testing.T) {
	for _, tc := range []struct {
		n    uint64
		want string
	}{{0, "0"}, {999, "999"}, {1000, "1,000"}, {4096, "4,096"}, {55904, "55,904"}, {123456, "123,456"}, {1234567, "1,234,567"}} {
		if got := FormatCount(tc.n); got != tc.want {
			t.Errorf("FormatCount(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
