// Package allocstat lets a benchmark count the heap allocations of another
// process started from this binary: bench apns measures the mock and its
// baseline as separate processes, where testing's allocs/op cannot reach.
// With Env set, each SIGUSR1 makes the process write one line, Prefix and
// the objects allocated since it started, to its stderr.
package allocstat

import (
	"io"
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
)

// Env turns the answer on; the benchmark sets it when it starts a process.
const Env = "CALLSCOPE_ALLOC_STATS"

// Prefix starts the line that answers a SIGUSR1.
const Prefix = "callscope-allocs "

// Objects is the heap objects allocated so far, tiny ones included, as
// runtime.MemStats.Mallocs and testing's allocs/op count them, read without
// stopping the world.
func Objects() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:objects"}, {Name: "/gc/heap/tiny/allocs:objects"}}
	metrics.Read(s)
	var n uint64
	for _, v := range s {
		if v.Value.Kind() == metrics.KindUint64 {
			n += v.Value.Uint64()
		}
	}
	return n
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
