package ui

import (
	"fmt"
	"time"

	"github.com/callscope/callscope/flow"
)

// paused holds the live side of a paused screen. While paused the Model's
// calls, totals and selection are a snapshot (flow.Calls.Snapshot) that the
// view draws and the keys move through; events keep arriving into the live
// store here, as the recorder and the other subscribers of the bus get them
// independently of the screen (screen.go), so nothing is lost: resume shows
// everything.
type paused struct {
	calls  *flow.Calls
	tally  *tally
	lat    *latencyStats
	sel    int
	follow bool
	status string
	failed bool
	since  uint64 // events that arrived while paused
}

// togglePause freezes or resumes the view.
func (m *Model) togglePause() {
	if m.pause == nil {
		m.pause = &paused{calls: m.calls, tally: m.tally, lat: m.lat, sel: m.sel, follow: m.follow,
			status: m.status, failed: m.failed}
		m.calls, m.tally, m.lat = m.calls.Snapshot(), m.tally.clone(), m.lat.clone()
		return
	}
	p := m.pause
	m.pause = nil
	// Keep the call the user looked at while paused, if it is still held;
	// at the newest, follow the live newest.
	c, ok := m.calls.At(m.sel)
	atNewest := m.follow // on the newest shown, as moves and the filter left it
	m.calls, m.tally, m.lat = p.calls, p.tally, p.lat
	m.status, m.failed = p.status, p.failed
	m.sel, m.follow = p.sel, p.follow
	switch {
	case atNewest:
		m.sel, m.follow = max(0, m.calls.Len()-1), true
	case ok:
		// A key press: a scan of the calls held is fine.
		for i := m.calls.Len() - 1; i >= 0; i-- {
			if l, _ := m.calls.At(i); l.TraceID == c.TraceID {
				m.sel, m.follow = i, i == m.calls.Len()-1
				break
			}
		}
	}
	m.setStatus(fmt.Sprintf("resumed · %s events arrived while paused", flow.FormatCount(p.since)), false)
}

// applyLive folds an event into the live store, paused or not: paused, into
// the store behind the snapshot, counted for the header.
func (m *Model) applyLive(e flow.Event, observed bool) {
	p := m.pause
	if p == nil {
		m.apply(e, observed)
		return
	}
	p.since++
	fc, ft, fl, fs, ff, fst, ffa := m.calls, m.tally, m.lat, m.sel, m.follow, m.status, m.failed
	m.calls, m.tally, m.lat, m.sel, m.follow, m.status, m.failed = p.calls, p.tally, p.lat, p.sel, p.follow, p.status, p.failed
	m.apply(e, observed)
	p.sel, p.follow, p.status, p.failed = m.sel, m.follow, m.status, m.failed
	m.calls, m.tally, m.lat, m.sel, m.follow, m.status, m.failed = fc, ft, fl, fs, ff, fst, ffa
}

// pauseBadge is the header's "⏸ paused · N events since", or "".
func (m Model) pauseBadge() string {
	if m.pause == nil {
		return ""
	}
	return m.st.warn.Render("⏸ paused · " + flow.FormatCount(m.pause.since) + " events since (space resumes)")
}

// clone copies the tally for a paused view.
func (t *tally) clone() *tally {
	c := &tally{counted: make(map[string]flow.Outcome, len(t.counted)), n: make(map[flow.Outcome]int, len(t.n)), seen: t.seen}
	for k, v := range t.counted {
		c.counted[k] = v
	}
	for k, v := range t.n {
		c.n[k] = v
	}
	return c
}

// clone copies the latency totals for a paused view: the sorted slices are
// changed in place (insertSorted), so they are copied.
func (l *latencyStats) clone() *latencyStats {
	c := newLatencyStats()
	for k, v := range l.counted {
		c.counted[k] = v
	}
	for k, v := range l.stages {
		c.stages[k] = append([]time.Duration(nil), v...)
	}
	for k, v := range l.instant {
		c.instant[k] = v
	}
	c.total = append([]time.Duration(nil), l.total...)
	return c
}
