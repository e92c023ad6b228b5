package bench

import (
	"bytes"
	"testing"

	"github.com/callscope/callscope/internal/allocstat"
)

// TestStatsWriter: the answers are read whole however the pipe cuts the
// server's stderr into writes; other output passes through.
func TestStatsWriter(t *testing.T) {
	for _, tc := range []struct {
		name   string
		writes []string
		want   []uint64
		rest   string
	}{
		{"whole", []string{"oops\n" + allocstat.Prefix + "12345\nmore\n"}, []uint64{12345}, "oops\nmore\n"},
		{"cut in the number", []string{"oops\n" + allocstat.Prefix + "12", "345\nmore\n"}, []uint64{12345}, "oops\nmore\n"},
		{"cut in the prefix", []string{"x\ncallscope-al", "locs 7\n"}, []uint64{7}, "x\n"},
		{"cut three times", []string{"callscope", "-allocs 9", "9\n"}, []uint64{99}, ""},
		{"other output unfinished", []string{"no newline", " yet\n"}, nil, "no newline yet\n"},
		{"two answers", []string{allocstat.Prefix + "1\n" + allocstat.Prefix + "2\n"}, []uint64{1, 2}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			allocs := make(chan uint64, 4)
			var rest bytes.Buffer
			w := &statsWriter{allocs: allocs, rest: &rest}
			for _, s := range tc.writes {
				if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
					t.Fatalf("Write(%q) = %d, %v", s, n, err)
				}
			}
			close(allocs)
			var got []uint64
			for n := range allocs {
				got = append(got, n)
			}
			if len(got) != len(tc.want) || rest.String() != tc.rest {
				t.Fatalf("answers %v, rest %q; want %v, %q", got, rest.String(), tc.want, tc.rest)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("answers %v; want %v", got, tc.want)
				}
			}
		})
	}
}
