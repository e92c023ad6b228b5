//go:build !unix

package bench

import (
	"runtime"
	"time"
)

// Without getrusage there is no CPU time to read: 0 says "not measured".
func selfCPU() time.Duration { return 0 }

func selfRSS() int64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.Sys - m.HeapReleased)
}

func selfPeakRSS() int64 { return selfRSS() }
