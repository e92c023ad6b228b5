package bench

import (
	"runtime/metrics"
	"slices"
	"sync"
	"time"
)

// soakRSS samples the resident set over a run, to compare its first
// quarter with its last: memory that grows with the calls made shows
// there, whatever the runtime's heap goal does in between.
type soakRSS struct {
	mu      sync.Mutex
	samples []int64
	live    []int64 // the heap live after the last GC, read with each sample
	from    int     // samples before it were taken while the run warmed up
}

// warm marks the run warmed up: its connections, pools and buffers made,
// the heap at its working size. Quarters count from here.
func (r *soakRSS) warm() {
	r.mu.Lock()
	if r.from == 0 {
		r.from = len(r.samples)
	}
	r.mu.Unlock()
}

func newSoakRSS() *soakRSS { return &soakRSS{} }

// sample reads RSS every interval until the returned stop is called.
func (r *soakRSS) sample(interval time.Duration) (stop func()) {
	done, stopped := make(chan struct{}), make(chan struct{})
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	read := func() {
		if v := selfRSS(); v > 0 {
			metrics.Read(sample)
			r.mu.Lock()
			r.samples = append(r.samples, v)
			r.live = append(r.live, int64(sample[0].Value.Uint64()))
			r.mu.Unlock()
		}
	}
	go func() {
		defer close(stopped)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-done:
				read()
				return
			case <-tick.C:
				read()
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
	}
}

func (r *soakRSS) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.samples) - r.from
}

// quarters are the median RSS of the first and of the last quarter of
// the samples after warm-up (0, 0 without samples).
func (r *soakRSS) quarters() (first, last int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return soakQuarters(r.samples[r.from:])
}

// liveQuarters is quarters for the live heap: a leak shows there first,
// without the heap goal's swings.
func (r *soakRSS) liveQuarters() (first, last int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return soakQuarters(r.live[r.from:])
}

func soakQuarters(samples []int64) (first, last int64) {
	n := len(samples)
	if n == 0 {
		return 0, 0
	}
	q := max(1, n/4)
	median := func(s []int64) int64 {
		s = slices.Clone(s)
		slices.Sort(s)
		return s[len(s)/2]
	}
	return median(samples[:q]), median(samples[n-q:])
}
