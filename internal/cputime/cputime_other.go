//go:build !unix

// Package cputime reads this process's CPU time, for benchmarks that
// report CPU per operation.
package cputime

import "time"

// Process is not measured here (no getrusage): it is 0, and benchmarks
// then report wall time only.
func Process() time.Duration { return 0 }
