package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/callscope/callscope/flow"
)

// replayTrace is a recorded session: a call that connects, one that fails
// in the extension, one left ringing; 25 events over about 12 s.
func replayTrace() []flow.Event {
	var evs []flow.Event
	evs = append(evs, ringingEvents(traceOf(callUUID(1)), callUUID(1), base)...)
	evs = append(evs, endEvents(traceOf(callUUID(1)), callUUID(1), base.Add(3*time.Second), flow.OutcomeConnected)...)
	evs = append(evs, failedEvents(traceOf(callUUID(2)), callUUID(2), base.Add(5*time.Second))...)
	evs = append(evs, ringingEvents(traceOf(callUUID(3)), callUUID(3), base.Add(12*time.Second))...)
	return evs
}

// fakeWall is a wall clock a test moves.
type fakeWall struct{ t time.Time }

func (w *fakeWall) now() time.Time { return w.t }

func rkey(s string) tea.KeyPressMsg {
	switch s {
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	}
	return key(s)
}

func rpress(t *testing.T, r ReplayModel, keys ...string) (ReplayModel, tea.Cmd) {
	t.Helper()
	var cmd tea.Cmd
	for _, k := range keys {
		var next tea.Model
		next, cmd = r.Update(rkey(k))
		r = next.(ReplayModel)
	}
	return r, cmd
}

func newReplay(wall *fakeWall, paused bool) ReplayModel {
	r := NewReplayModel(replayTrace(), ReplayOptions{Paused: paused, Now: wall.now,
		Options: Options{NoColor: true, Location: time.UTC, Header: Header{Endpoints: "t.jsonl"}}})
	next, _ := r.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	return next.(ReplayModel)
}

func tick(r ReplayModel, at time.Time) ReplayModel {
	next, _ := r.Update(replayTickMsg{at: at, gen: r.gen})
	return next.(ReplayModel)
}

// TestReplayPlayPause: the replay plays on the trace's own time (real time
// at 1×, faster at higher speeds) and space pauses it: ticks of a paused
// play move nothing.
func TestReplayPlayPause(t *testing.T) {
	wall := &fakeWall{t: base}
	r := newReplay(wall, false)
	if !r.playing || r.Init() == nil {
		t.Fatal("a replay opens playing")
	}
	r = tick(r, base.Add(2*time.Second))
	if r.pos != 10 || r.m.calls.Len() != 1 {
		t.Fatalf("2 s in: %d events, %d calls; want the first call's 10 events", r.pos, r.m.calls.Len())
	}
	wall.t = base.Add(2 * time.Second)
	r, _ = rpress(t, r, "+", "+") // 4×: 2 s of wall time is 8 s of trace
	r = tick(r, base.Add(4*time.Second))
	if r.pos != 12+9 {
		t.Fatalf("at 4× to 10 s: %d events, want 21 (two calls)", r.pos)
	}
	if !strings.Contains(ansi.Strip(r.View().Content), "replay 21/31 events · 00:10.0/00:12.0 · 4× · ▶ playing") {
		t.Fatalf("header: %q", strings.SplitN(ansi.Strip(r.View().Content), "\n", 2)[0])
	}
	stale := r.gen
	r, cmd := rpress(t, r, "space")
	if r.playing || cmd != nil {
		t.Fatal("space did not pause")
	}
	next, _ := r.Update(replayTickMsg{at: base.Add(time.Hour), gen: stale})
	if r = next.(ReplayModel); r.pos != 21 {
		t.Fatalf("a tick after pause moved the replay to %d", r.pos)
	}
	if !strings.Contains(ansi.Strip(r.View().Content), "⏸ paused") {
		t.Fatal("the header does not say paused")
	}
	r, cmd = rpress(t, r, "space")
	if !r.playing || cmd == nil {
		t.Fatal("space did not play again")
	}
	r = tick(r, base.Add(time.Hour))
	if r.pos != 31 || r.playing {
		t.Fatalf("past the end: %d events, playing %v; want all 31, stopped", r.pos, r.playing)
	}
}

// TestReplayStep: → applies exactly one event and selects its call, ←
// takes it back (the screen rebuilt to the same state), and neither goes
// past the ends.
func TestReplayStep(t *testing.T) {
	r := newReplay(&fakeWall{t: base}, true)
	r, _ = rpress(t, r, "left")
	if r.pos != 0 {
		t.Fatal("← at the start moved")
	}
	r, _ = rpress(t, r, strings.Split(strings.Repeat("right ", 10), " ")[:10]...)
	if r.m.status != "ringing: alice@example.org → bob@example.org" {
		t.Fatalf("at the ring: status %q, want no offer to answer", r.m.status)
	}
	r, _ = rpress(t, r, "r")
	for i := 1; i <= 13; i++ {
		r, _ = rpress(t, r, "right")
		if r.pos != i {
			t.Fatalf("→ %d times: at %d", i, r.pos)
		}
	}
	c, _ := r.m.selected()
	if c.TraceID != traceOf(callUUID(2)) || r.m.calls.Len() != 2 {
		t.Fatalf("after 13 events: selected %s of %d calls, want the second call", c.TraceID, r.m.calls.Len())
	}
	if !strings.Contains(r.m.status, "event 13: sender start-call-action") {
		t.Fatalf("status %q: want the event stepped to", r.m.status)
	}
	stepped := ansi.Strip(r.View().Content)
	r, _ = rpress(t, r, "right", "left")
	if r.pos != 13 {
		t.Fatalf("→ ←: at %d, want 13", r.pos)
	}
	back := ansi.Strip(r.View().Content)
	// The status line says "back at"; the rest of the screen is the same.
	if cut(stepped) != cut(back) {
		t.Fatalf("← did not restore the screen\nstepped:\n%s\nback:\n%s", stepped, back)
	}
	r, _ = rpress(t, r, "left", "left", "left")
	if r.pos != 10 || r.m.calls.Len() != 1 {
		t.Fatalf("back to 10: at %d with %d calls", r.pos, r.m.calls.Len())
	}
}

// cut drops the status and help lines.
func cut(view string) string {
	l := strings.Split(view, "\n")
	return strings.Join(l[:len(l)-2], "\n")
}

// TestReplayNextFailure: f plays on to the event that fails a call, stops
// there with the call selected and its diagnosis in the status line; with
// no failure ahead it says so and stays.
func TestReplayNextFailure(t *testing.T) {
	r := newReplay(&fakeWall{t: base}, false)
	r, _ = rpress(t, r, "f")
	c, _ := r.m.selected()
	if r.playing || r.pos != 21 || c.Outcome != flow.OutcomeFailed || c.TraceID != traceOf(callUUID(2)) {
		t.Fatalf("f: at %d, playing %v, selected %s %s; want paused at 21 on the failed call", r.pos, r.playing, c.TraceID, c.Outcome)
	}
	if !r.m.failed || !strings.Contains(r.m.status, "REPORT_FAILED") {
		t.Fatalf("status %q", r.m.status)
	}
	view := ansi.Strip(r.View().Content)
	if !strings.Contains(view, "✗ REPORT_FAILED") {
		t.Fatalf("the ladder does not show the failure:\n%s", view)
	}
	r, _ = rpress(t, r, "f")
	if r.pos != 21 || !strings.Contains(r.m.status, "no failure after this point") {
		t.Fatalf("second f: at %d, status %q", r.pos, r.m.status)
	}
}

// TestReplaySpeedAndKeys: +/- step the speed between real time and 100×;
// a replay sends and answers nothing; r goes back to the start; q quits.
func TestReplaySpeedAndKeys(t *testing.T) {
	r := newReplay(&fakeWall{t: base}, true)
	r, _ = rpress(t, r, "-")
	if r.speed != 1 {
		t.Fatalf("- at real time: %g×", r.speed)
	}
	for range 10 {
		r, _ = rpress(t, r, "+")
	}
	if r.speed != MaxSpeed {
		t.Fatalf("+ ten times: %g×, want %d×", r.speed, MaxSpeed)
	}
	r, _ = rpress(t, r, "-")
	if r.speed != 50 {
		t.Fatalf("- from 100×: %g×", r.speed)
	}
	r, _ = rpress(t, r, "right", "right", "n", "a", "enter")
	if r.m.compose != nil || !strings.Contains(r.m.status, "only watches") || r.pos != 2 {
		t.Fatalf("n/a/enter on a replay: compose %v, status %q, pos %d", r.m.compose != nil, r.m.status, r.pos)
	}
	r, _ = rpress(t, r, "r")
	if r.pos != 0 || r.m.calls.Len() != 0 {
		t.Fatalf("r: at %d with %d calls", r.pos, r.m.calls.Len())
	}
	if _, cmd := rpress(t, r, "q"); !isQuit(cmd) {
		t.Fatal("q does not quit")
	}
	if !strings.Contains(ansi.Strip(r.View().Content), "space play/pause · ←/→ step") {
		t.Fatal("the help line does not list the replay's keys")
	}
}

// TestReplayProgram drives the real program: paused, → three times, f to
// the failure, q; the final screen is the golden.
func TestReplayProgram(t *testing.T) {
	r := NewReplayModel(replayTrace(), ReplayOptions{Paused: true,
		Options: Options{NoColor: true, Location: time.UTC, Header: Header{Endpoints: "t.jsonl"}}})
	tm := teatest.NewTestModel(t, r, teatest.WithInitialTermSize(100, 30))
	waitFor := func(s string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
			return strings.Contains(ansi.Strip(string(b)), s)
		}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	}
	waitFor("replay 0/31 events")
	for range 3 {
		tm.Send(rkey("right"))
	}
	tm.Type("f")
	waitFor("REPORT_FAILED")
	tm.Type("q")
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(ReplayModel)
	if final.pos != 21 {
		t.Fatalf("at %d, want 21", final.pos)
	}
	golden.RequireEqual(t, ansi.Strip(final.View().Content))
}

// BenchmarkReplayStepBack is ← at the end of a trace of 10,000 events
// (400 calls): the screen is rebuilt from the first event.
func BenchmarkReplayStepBack(b *testing.B) {
	var evs []flow.Event
	for n := 1; len(evs) < 10_000; n++ {
		evs = append(evs, ringingEvents(traceOf(callUUID(n)), callUUID(n), base.Add(time.Duration(n)*time.Second))...)
		evs = append(evs, endEvents(traceOf(callUUID(n)), callUUID(n), base.Add(time.Duration(n)*time.Second+3*time.Second), flow.OutcomeConnected)...)
	}
	evs = evs[:10_000]
	r := NewReplayModel(evs, ReplayOptions{Paused: true, Options: Options{NoColor: true}})
	r.rebuild(len(evs))
	b.ResetTimer()
	for range b.N {
		r.rebuild(len(evs) - 1)
	}
}
