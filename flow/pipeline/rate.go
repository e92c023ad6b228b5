package pipeline

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/callscope/callscope/flow"
)

// ParseRate reads --rate: requests per second as "200/s", "200", "90/m" or
// "3600/h". The error names the flag and says what it wants.
func ParseRate(s string) (float64, error) {
	num, unit, _ := strings.Cut(strings.TrimSpace(s), "/")
	per := map[string]float64{"": 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}[strings.TrimSpace(unit)]
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	switch {
	case per == 0:
		return 0, fmt.Errorf("--rate %q: unknown unit %q: want N/s, N/m or N/h, e.g. 200/s", s, unit)
	case err != nil || math.IsNaN(n) || math.IsInf(n, 0):
		return 0, fmt.Errorf("--rate %q: want a number of requests per second, e.g. 200/s", s)
	case n <= 0:
		return 0, fmt.Errorf("--rate %q: must be above 0 requests per second", s)
	case n/per > 1e6:
		return 0, fmt.Errorf("--rate %q: above 1,000,000 requests per second", s)
	}
	return n / per, nil
}

// Arrival is one request of an open-model run: when it was due and how
// late it started. Its latency counts from Due, so time spent waiting to
// start (a full --concurrency, a starved scheduler) shows as latency and
// is never silently left out (no coordinated omission).
type Arrival struct {
	Index int
	Due   time.Time
	Lag   time.Duration // start − Due
}

// arrivalClock is the wall clock, or a test's.
type arrivalClock interface {
	Now() time.Time
	After(time.Duration) <-chan time.Time
}

type wallClock struct{}

func (wallClock) Now() time.Time                         { return time.Now() }
func (wallClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// arrive starts count jobs, the i-th due at start + i/rate, each in its own
// goroutine whether or not the earlier ones have finished: the open model
// of a load test, where a slow server gets the same arrivals and shows it
// as latency, not as fewer requests. limit > 0 bounds the jobs running at
// once; a job that waits for a slot starts late and its Lag says by how
// much. arrive returns when every started job has returned.
func arrive(ctx context.Context, clk arrivalClock, count int, rate float64, limit int, job func(Arrival)) {
	var (
		wg    sync.WaitGroup
		slots chan struct{}
	)
	if limit > 0 {
		slots = make(chan struct{}, limit)
	}
	interval := time.Duration(float64(time.Second) / rate)
	start := clk.Now()
	for i := 0; i < count; {
		due := start.Add(time.Duration(i) * interval)
		if wait := due.Sub(clk.Now()); wait > 0 {
			select {
			case <-clk.After(wait):
			case <-ctx.Done():
				wg.Wait()
				return
			}
			continue
		}
		if slots != nil {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				wg.Wait()
				return
			}
		}
		a := Arrival{Index: i, Due: due, Lag: clk.Now().Sub(due)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			job(a)
			if slots != nil {
				<-slots
			}
		}()
		i++
	}
	wg.Wait()
}

// PlaceRate places count requests at rate per second (open model, see
// arrive), at most limit in flight when limit > 0, and calls each (from
// one goroutine at a time) with every call as it ends and its arrival.
func (p *Pipeline) PlaceRate(ctx context.Context, req flow.Request, count int, rate float64, limit int, each func(flow.Call, Arrival)) {
	p.placeRate(ctx, wallClock{}, req, count, rate, limit, each)
}

func (p *Pipeline) placeRate(ctx context.Context, clk arrivalClock, req flow.Request, count int, rate float64, limit int, each func(flow.Call, Arrival)) {
	type ended struct {
		c flow.Call
		a Arrival
	}
	results := make(chan ended)
	go func() {
		arrive(ctx, clk, count, rate, limit, func(a Arrival) {
			results <- ended{p.Place(ctx, req), a}
		})
		close(results)
	}()
	for r := range results {
		each(r.c, r.a)
	}
}

// FromDue moves a call's end-to-end latency to count from its due time.
func FromDue(c flow.Call, a Arrival) flow.Call {
	if a.Lag > 0 {
		c.Latency.Total += a.Lag
	}
	return c
}

// rateLags is how late an open-model run started its requests.
type rateLags struct {
	h       *hdrhistogram.Histogram
	started int
	last    time.Time
	first   time.Time
}

func newRateLags() *rateLags {
	return &rateLags{h: hdrhistogram.New(1, int64(time.Hour/time.Microsecond), 3)}
}

func (r *rateLags) add(a Arrival) {
	_ = r.h.RecordValue(max(1, a.Lag.Microseconds()))
	r.started++
	at := a.Due.Add(a.Lag)
	if r.first.IsZero() || at.Before(r.first) {
		r.first = at
	}
	if at.After(r.last) {
		r.last = at
	}
}

// note says what rate the run asked for and held, and how late requests
// started: that lateness is in each request's total latency.
func (r *rateLags) note(rate float64, limit int, wall time.Duration) string {
	held := float64(r.started) / wall.Seconds()
	if span := r.last.Sub(r.first); r.started > 1 && span > 0 {
		held = float64(r.started-1) / span.Seconds()
	}
	lag := func(q float64) string {
		return flow.FormatDuration(time.Duration(r.h.ValueAtQuantile(q)) * time.Microsecond)
	}
	return fmt.Sprintf("open model: --rate %s/s asked, %s/s started (%s requests, at most %d in flight); start lag p50 %s p99 %s max %s, counted in each request's total latency",
		strconv.FormatFloat(rate, 'f', -1, 64), strconv.FormatFloat(held, 'f', 1, 64), flow.FormatCount(uint64(r.started)), limit, lag(50), lag(99),
		flow.FormatDuration(time.Duration(r.h.Max())*time.Microsecond))
}

// SetRate applies --rate (empty: none). Without --concurrency the open
// model caps nothing: every request starts when it is due.
func (o *SendOptions) SetRate(rate string, concurrencyGiven bool) error {
	if rate == "" {
		return nil
	}
	r, err := ParseRate(rate)
	if err != nil {
		return err
	}
	o.Rate = r
	if !concurrencyGiven {
		o.Concurrency = o.Count
	}
	return nil
}
