// Package allocstat lets a benchmark count the heap allocations of another
// process started from this binary: bench apns measures the mock and its
// baseline as separate processes, where testing's allocs/op cannot reach.
// With Env set, each SIGUSR1 makes the process write one line, Prefix and
// the objects allocated since it started, to its stderr.
package allocstat

import (
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// Env turns the answer on; the benchmark sets it when it starts a process.
const Env = "CALLSCOPE_ALLOC_STATS"

// Prefix starts the line that answers a SIGUSR1.
const Prefix = "callscope-allocs "

// Objects is the heap objects allocated so far, runtime.MemStats.Mallocs
// as testing's allocs/op counts them. ReadMemStats stops the world for a
// moment, which a benchmark asks only between its rounds; runtime/metrics
// would not, but it counts a cached span's objects only when the span is
// swept, so it lags by up to a span per size class and processor.
func Objects() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.Mallocs
}

// Line is the answer to one SIGUSR1.
func Line() []byte {
	return strconv.AppendUint([]byte(Prefix), Objects(), 10)
}

// Parse reads an answer line (without its newline); ok is false for any
// other line.
func Parse(line string) (objects uint64, ok bool) {
	rest, found := strings.CutPrefix(line, Prefix)
	if !found {
		return 0, false
	}
	n, err := strconv.ParseUint(rest, 10, 64)
	return n, err == nil
}

// answer writes Line and a newline to w for each signal until sig closes.
func answer(w io.Writer, sig <-chan os.Signal) {
	for range sig {
		_, _ = w.Write(append(Line(), '\n'))
	}
}
