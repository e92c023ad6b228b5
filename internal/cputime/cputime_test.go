package cputime

import "testing"

// TestProcessGrows: burning CPU makes Process grow, where it is measured.
func TestProcessGrows(t *testing.T) {
	before := Process()
	if before == 0 {
		t.Skip("CPU time is not measured on this platform")
	}
	x := uint64(1)
	for range 10_000 { // ~10 s of CPU at most; a tick of CPU time comes far sooner
		for i := range 1_000_000 {
			x = x*6364136223846793005 + uint64(i)
		}
		if Process() > before {
			return
		}
	}
	t.Fatalf("CPU time stayed at %v (%d)", before, x)
}
