package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/callscope/callscope/flow"
)

// barKind is how a stage is drawn on the waterfall.
type barKind int

const (
	barNone     barKind = iota // the call did not reach the stage
	barMeasured                // a measured latency: a solid bar
	barInstant                 // system calls only: a dot, no length
	barCross                   // a hop between two clocks: dashed, not a latency
)

// wfBar is one stage's place on the measured axis: Offset from the call's
// start and Dur long, in time and in cells of the bar area.
type wfBar struct {
	Stage       flow.Stage
	Kind        barKind
	Offset, Dur time.Duration
	Start, Len  int // cells; Len 0 for an instant stage
}

// wfLayout is the waterfall of one call at one width: Axis is the measured
// time the bar area spans.
type wfLayout struct {
	Axis time.Duration
	Bars []wfBar
}

// layoutWaterfall places each stage the call reached at its first event's
// offset from the call's start, its bar as long as its measured latency.
// The axis is measured time only: the wall time a simulated wait took
// (Event.Waited) is taken out of every offset after it, as flow.Latency
// takes it out of the stage, so simulated time never stretches the axis. A
// stage whose first event is on another clock (a real phone's) cannot be
// offset from the call's start: it begins where the hop to it does, and the
// hop itself (flow.Latency.CrossClock) is drawn apart as a dashed bar
// whatever its sign, the clocks' skew included.
func layoutWaterfall(events []flow.Event, lat flow.Latency, cells int) wfLayout {
	var first [len(flow.Stages)]time.Time
	var clock [len(flow.Stages)]string
	for _, e := range events {
		i := e.Stage.Index()
		if i < 0 {
			continue
		}
		if first[i].IsZero() || e.Time.Before(first[i]) {
			first[i], clock[i] = e.Time, e.Clock
		}
	}
	// measuredSince is t's distance from a clock's anchor less the
	// simulated waits begun between them on that clock.
	measuredSince := func(k string, from, t time.Time) time.Duration {
		d := t.Sub(from)
		for _, e := range events {
			if e.Simulated && e.Clock == k && !e.Time.Before(from) && e.Time.Before(t) {
				d -= e.Waited
			}
		}
		return max(d, 0)
	}
	type anchor struct {
		at  time.Time
		off time.Duration
	}
	anchors := map[string]anchor{}
	var out wfLayout
	var end time.Duration // where the previous stage's bar ends
	for i, s := range flow.Stages {
		if first[i].IsZero() || !lat.Reached(s) {
			out.Bars = append(out.Bars, wfBar{Stage: s})
			continue
		}
		b := wfBar{Stage: s, Kind: barMeasured}
		if a, ok := anchors[clock[i]]; ok {
			b.Offset = a.off + measuredSince(clock[i], a.at, first[i])
		} else {
			// A clock not seen yet: the stage starts where the hop to it
			// lands, the only place known on this axis.
			b.Offset = end
			anchors[clock[i]] = anchor{first[i], end}
		}
		switch d, cross := lat.CrossClock[s]; {
		case lat.Instant[s]:
			b.Kind = barInstant
		case cross:
			b.Kind, b.Dur = barCross, max(d, 0)
		default:
			b.Dur, _ = lat.Get(s)
		}
		end = max(end, b.Offset+b.Dur)
		out.Bars = append(out.Bars, b)
	}
	out.Axis = end
	for i := range out.Bars {
		b := &out.Bars[i]
		if b.Kind == barNone || cells <= 0 {
			continue
		}
		b.Start, b.Len = 0, 0
		if out.Axis > 0 {
			b.Start = int(int64(cells) * int64(b.Offset) / int64(out.Axis))
			b.Len = int((int64(cells)*int64(b.Dur) + int64(out.Axis)/2) / int64(out.Axis))
		}
		b.Start = min(b.Start, cells-1)
		if b.Kind != barInstant && b.Dur > 0 {
			// Measured, however short: at least one cell.
			b.Len = max(1, b.Len)
		}
		b.Len = min(b.Len, cells-b.Start)
	}
	return out
}

// Waterfall columns: the stage's name, the bar area, the latency label.
const (
	wfName  = 10
	wfLabel = 14
)

// waterfallLines draws the selected call's stages on one measured time
// axis, in place of the ladder (w toggles): a row per stage, then the
// simulated time apart (never on the axis), the cross-clock note when a hop
// crossed clocks, and the outcome.
func (m Model) waterfallLines(w, h int) []string {
	c, ok := m.selected()
	cells := w - wfName - wfLabel - 1
	if cells < 8 {
		return pad([]string{m.st.muted.Render("(too narrow for the waterfall)")}, h)
	}
	if !ok {
		return pad([]string{m.st.title.Render("Waterfall"), m.st.muted.Render("select or send a call to see its stages")}, h)
	}
	l := layoutWaterfall(m.calls.Events(c.TraceID), c.Latency, cells)
	axis := "0" + strings.Repeat(" ", cells)
	end := "measured " + flow.FormatDuration(l.Axis)
	axis = overlay(axis, max(1, cells+1-ansi.StringWidth(end)), end)
	out := []string{m.st.title.Render(fmt.Sprintf("%-*s", wfName, "Waterfall")) + m.st.muted.Render(axis)}
	failedAt := -1
	if c.Diag != nil && c.Outcome == flow.OutcomeFailed {
		failedAt = c.Diag.Stage.Index()
	}
	for i, b := range l.Bars {
		name := m.st.lanes[i].Render(fmt.Sprintf("%-*s", wfName, b.Stage.Title()))
		row := strings.Repeat(" ", cells)
		label := "-"
		switch b.Kind {
		case barMeasured:
			bar := strings.Repeat("█", b.Len)
			if b.Len == 0 {
				bar = "▏" // measured, and too short for a clock here to tell
			}
			row = overlay(row, b.Start, m.st.lanes[i].Render(bar))
			label = flow.FormatDuration(b.Dur)
		case barInstant:
			row = overlay(row, b.Start, m.st.lanes[i].Render("●"))
			label = flow.InstantLabel
		case barCross:
			row = overlay(row, b.Start, m.st.lanes[i].Render(strings.Repeat("╌", max(1, b.Len))))
			label = firstFit(flow.CrossClockLabels(c.Latency.CrossClock[b.Stage]), wfLabel)
		}
		if failedAt == i {
			if x := b.Start + max(b.Len, 1); b.Kind != barNone && x < cells {
				row = overlay(row, x, m.st.fail.Render("✗"))
			}
			// The ✗ after the bar marks the failure; the code names it.
			label = m.st.fail.Render(ansi.Truncate(string(c.Diag.Code), wfLabel, "…"))
		} else {
			label = m.st.muted.Render(label)
		}
		out = append(out, name+row+" "+label)
	}
	if len(c.Latency.Simulated) > 0 {
		// Apart from the axis: a simulated wait took no time a clock here
		// measured, so it has no place among the bars.
		sim := "░ " + strings.Join(flow.FormatSimulated(c.Latency.Simulated), " · ") + " · not on the axis"
		out = append(out, m.st.muted.Render(fit(fmt.Sprintf("%-*s", wfName, "Simulated")+sim, w)))
	}
	if len(c.Latency.CrossClock) > 0 {
		out = append(out, m.st.muted.Render(fit("╌ cross-device: "+flow.CrossClockNote, w)))
	}
	out = append(out, m.st.outcome(c, false)+m.st.muted.Render(" "+endLabel(c)))
	if len(out) > h && h > 0 {
		// Short panes keep the outcome: it says how the call ended.
		out = append(out[:h-1], out[len(out)-1])
	}
	return pad(out, h)
}
