package report

import (
	"fmt"
	"io"

	"github.com/callscope/callscope/flow/threshold"
)

// Thresholds prints each --threshold result, pass or fail, under the
// summary; nothing without thresholds.
func Thresholds(w io.Writer, rs []threshold.Result) {
	if len(rs) == 0 {
		return
	}
	fmt.Fprintln(w, "thresholds:")
	for _, r := range rs {
		fmt.Fprintln(w, "  "+r.String())
	}
}
