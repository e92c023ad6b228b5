package flow

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

const deadline = 5 * time.Second

func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(deadline):
		t.Fatalf("no %s within %s", what, deadline)
		var zero T
		return zero
	}
}

// eventually spins (yielding) until cond holds or the deadline passes: the
// goroutines under test have no event to wait on while they start.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(deadline)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("no %s within %s", what, deadline)
		}
		runtime.Gosched()
	}
}

// waiting is how many waits of a request have not ended: the state the
// order depends on, read under the clock's lock.
func (c *SimClock) waiting(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if g := c.groups[id]; g != nil {
		return len(g.sleepers)
	}
	return 0
}

// TestSimClockOrder: two units of one request wait 60 s and 2 s; the 2 s one
// ends first, and the 60 s one only once the first has left.
func TestSimClockOrder(t *testing.T) {
	c := NewSimClock()
	ctx := WithTrace(context.Background(), "t1")
	order := make(chan string, 2)
	var wg sync.WaitGroup
	// Both units are at work before either waits, as two devices ringing.
	c.Enter("t1")
	c.Enter("t1")
	start := func(name string, d time.Duration, after func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Leave("t1")
			if _, err := c.Sleep(ctx, d); err != nil {
				t.Error(err)
			}
			order <- name
			if after != nil {
				after()
			}
		}()
	}
	hold := make(chan struct{})
	start("ipad-60s", 60*time.Second, nil)
	start("iphone-2s", 2*time.Second, func() { <-hold }) // keeps running after its wait
	if got := recv(t, order, "first wake"); got != "iphone-2s" {
		t.Fatalf("first = %s, want iphone-2s", got)
	}
	if n := c.waiting("t1"); n != 1 {
		t.Fatalf("%d waits left while the iPhone still works, want the iPad's", n)
	}
	close(hold)
	if got := recv(t, order, "second wake"); got != "ipad-60s" {
		t.Fatalf("second = %s", got)
	}
	wg.Wait()
	if len(c.groups) != 0 {
		t.Fatalf("groups left behind: %v", c.groups)
	}
}

// TestSimClockCancel: a wait ended by ctx leaves the order, and a Forever
// wait never ends by itself.
func TestSimClockCancel(t *testing.T) {
	c := NewSimClock()
	base := WithTrace(context.Background(), "t1")
	forever, stopForever := context.WithCancel(base)
	short, stopShort := context.WithCancel(base)
	c.Enter("t1")
	c.Enter("t1")
	c.Enter("t1")
	got := make(chan string, 3)
	go func() {
		_, err := c.Sleep(forever, Forever)
		got <- "forever:" + errString(err)
		c.Leave("t1")
	}()
	go func() {
		_, err := c.Sleep(short, time.Hour)
		got <- "hour:" + errString(err)
		c.Leave("t1")
	}()
	// Both waits must have begun before the test acts on them.
	eventually(t, "both waits to begin", func() bool { return c.waiting("t1") == 2 })
	// A third unit is running: nothing may wake. Cancelling the hour wait
	// removes it; when the third unit leaves, only Forever is left.
	stopShort()
	if v := recv(t, got, "cancelled wait"); v != "hour:context canceled" {
		t.Fatalf("got %s", v)
	}
	c.Leave("t1")
	if n := c.waiting("t1"); n != 1 {
		t.Fatalf("%d waits, want the Forever one still waiting", n)
	}
	stopForever()
	if v := recv(t, got, "cancelled Forever"); v != "forever:context canceled" {
		t.Fatalf("got %s", v)
	}
}

// TestSimClockRequestsIndependent: a running unit of one request does not
// hold back another request's wait.
func TestSimClockRequestsIndependent(t *testing.T) {
	c := NewSimClock()
	c.Enter("busy")
	defer c.Leave("busy")
	c.Enter("t2")
	done := make(chan error, 1)
	go func() {
		_, err := c.Sleep(WithTrace(context.Background(), "t2"), time.Minute)
		c.Leave("t2")
		done <- err
	}()
	if err := recv(t, done, "t2's wait"); err != nil {
		t.Fatal(err)
	}
}

func errString(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

// TestSimClockWaitsReused: waits are kept for reuse; round after round of
// waits that end, are cancelled before their turn, or are cancelled as they
// are woken, no wait ends early (a wake-up left over from an earlier wait)
// and the order holds.
func TestSimClockWaitsReused(t *testing.T) {
	c := NewSimClock()
	for round := range 200 {
		id := fmt.Sprint("r", round)
		base := WithTrace(context.Background(), id)
		c.Enter(id)
		c.Enter(id)
		c.Enter(id)
		order := make(chan string, 3)
		cancelled, cancel := context.WithCancel(base)
		go func() {
			_, err := c.Sleep(base, 60*time.Second)
			order <- "60s:" + errString(err)
			c.Leave(id)
		}()
		go func() {
			_, err := c.Sleep(cancelled, 30*time.Second)
			order <- "30s:" + errString(err)
			c.Leave(id)
		}()
		eventually(t, "two waits", func() bool { return c.waiting(id) == 2 })
		if round%2 == 0 {
			cancel() // before its turn: it leaves the order
			if v := recv(t, order, "cancelled"); v != "30s:context canceled" {
				t.Fatalf("round %d: got %s", round, v)
			}
		}
		go func() {
			_, err := c.Sleep(base, 2*time.Second)
			order <- "2s:" + errString(err)
			if round%2 == 1 {
				cancel() // as the 30 s wait may be woken
			}
			c.Leave(id)
		}()
		if v := recv(t, order, "first"); v != "2s:ok" {
			t.Fatalf("round %d: first %s, want the 2 s wait", round, v)
		}
		if round%2 == 1 {
			if v := recv(t, order, "second"); v != "30s:ok" && v != "30s:context canceled" {
				t.Fatalf("round %d: second %s, want the 30 s wait", round, v)
			}
		}
		if v := recv(t, order, "last"); v != "60s:ok" {
			t.Fatalf("round %d: last %s, want the 60 s wait", round, v)
		}
		cancel()
	}
}
