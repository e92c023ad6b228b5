package pipeline

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		err  string
	}{
		{"200/s", 200, ""},
		{"200", 200, ""},
		{" 0.5 / s ", 0.5, ""},
		{"90/m", 1.5, ""},
		{"3600/h", 1, ""},
		{"0", 0, `--rate "0": must be above 0`},
		{"-3/s", 0, `--rate "-3/s": must be above 0`},
		{"abc", 0, `--rate "abc": want a number`},
		{"NaN", 0, `--rate "NaN": want a number`},
		{"Inf/s", 0, `--rate "Inf/s": want a number`},
		{"5/x", 0, `--rate "5/x": unknown unit "x"`},
		{"", 0, `--rate "": want a number`},
		{"2e6/s", 0, `--rate "2e6/s": above 1,000,000`},
	}
	for _, tt := range tests {
		got, err := ParseRate(tt.in)
		switch {
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("ParseRate(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		case tt.err != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.err)):
			t.Errorf("ParseRate(%q) error %v; want one starting %q", tt.in, err, tt.err)
		}
	}
}

// fakeClock moves only when the test says; After tells the test a timer
// is waiting, so the test advances it without sleeping.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	timers  []fakeTimer
	waiting chan struct{}
}

type fakeTimer struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Unix(1_700_000_000, 0), waiting: make(chan struct{}, 16)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	c.timers = append(c.timers, fakeTimer{c.now.Add(d), ch})
	c.waiting <- struct{}{}
	return ch
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.timers[:0]
	for _, t := range c.timers {
		if t.at.After(c.now) {
			kept = append(kept, t)
			continue
		}
		t.ch <- c.now
	}
	c.timers = kept
}

func waitFor[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s within 10 s", what)
		panic("unreachable")
	}
}

// TestArrivalsOpenModel: requests start when they are due even though none
// has finished (a closed model of one in flight would have started one);
// with a cap, a request that waits for a slot starts late and its lag is
// what it waited, counted from its due time (no coordinated omission).
func TestArrivalsOpenModel(t *testing.T) {
	for _, limit := range []int{0, 2} {
		clk := newFakeClock()
		start := clk.Now()
		started := make(chan Arrival, 8)
		release := make([]chan struct{}, 5)
		for i := range release {
			release[i] = make(chan struct{})
		}
		done := make(chan struct{})
		go func() {
			arrive(context.Background(), clk, 5, 10, limit, func(a Arrival) {
				started <- a
				<-release[a.Index]
			})
			close(done)
		}()
		n := 5
		if limit > 0 {
			n = limit
		}
		for i := range n {
			if i > 0 {
				waitFor(t, clk.waiting, "timer")
				clk.advance(100 * time.Millisecond)
			}
			a := waitFor(t, started, "start")
			if a.Index != i || !a.Due.Equal(start.Add(time.Duration(i)*100*time.Millisecond)) || a.Lag != 0 {
				t.Fatalf("limit %d: arrival %+v, want index %d due at +%dms with no lag", limit, a, i, 100*i)
			}
		}
		if limit > 0 {
			// The third is due at +200ms; both slots are taken until +250ms.
			waitFor(t, clk.waiting, "timer")
			clk.advance(150 * time.Millisecond)
			select {
			case a := <-started:
				t.Fatalf("limit %d: arrival %d started with every slot taken", limit, a.Index)
			default:
			}
			close(release[0])
			a := waitFor(t, started, "start")
			if a.Index != 2 || a.Lag != 50*time.Millisecond {
				t.Fatalf("limit 2: arrival %+v, want index 2 with a 50ms lag", a)
			}
			close(release[1])
			close(release[2])
			// Past both due times: the last two start at once, each late.
			waitFor(t, clk.waiting, "timer")
			clk.advance(time.Second)
			for range 2 {
				a := waitFor(t, started, "start")
				if want := 1250*time.Millisecond - time.Duration(a.Index)*100*time.Millisecond; a.Lag != want {
					t.Errorf("arrival %d lag %v, want %v", a.Index, a.Lag, want)
				}
				close(release[a.Index])
			}
		} else {
			for _, r := range release {
				close(r)
			}
		}
		waitFor(t, done, "end of the run")
	}
}

// TestSendRate: --rate places every request and says what it held.
func TestSendRate(t *testing.T) {
	var out bytes.Buffer
	opts := SendOptions{Count: 20}
	if err := opts.SetRate("2000/s", false); err != nil {
		t.Fatal(err)
	}
	ok, err := RunSend(context.Background(), opts, &out)
	if err != nil || !ok {
		t.Fatalf("ok %v, err %v\n%s", ok, err, out.String())
	}
	for _, want := range []string{"20 requests: 20 connected", "note: open model: --rate 2000/s asked", "(20 requests, at most 20 in flight)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
