package ui

import (
	"fmt"
	"strconv"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/callscope/callscope/flow"
)

// View is the live screen's, with the timeline in the header; the key
// line is the replay's (ModeReplay, keys.go).
func (r ReplayModel) View() tea.View {
	m := r.m
	m.opts.Header.Mode = r.timeline()
	v := m.View()
	v.WindowTitle = "callscope replay"
	return v
}

// timeline is the header's position: "replay 1,234/5,000 events ·
// 00:12.3/01:05.0 · 4× · ▶".
func (r ReplayModel) timeline() string {
	state := "⏸ paused"
	if r.playing {
		state = "▶ playing"
	}
	return fmt.Sprintf("replay %s/%s events · %s/%s · %s · %s",
		flow.FormatCount(uint64(r.pos)), flow.FormatCount(uint64(len(r.events))),
		clockText(r.clock), clockText(r.tl.Total()), speedText(r.speed), state)
}

// clockText is a position on the trace's clock, mm:ss.d (h:mm:ss.d past an
// hour).
func clockText(d time.Duration) string {
	tenths := int64(d / (100 * time.Millisecond))
	s, t := tenths/10, tenths%10
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d.%d", s/3600, s/60%60, s%60, t)
	}
	return fmt.Sprintf("%02d:%02d.%d", s/60, s%60, t)
}

func speedText(s float64) string {
	if s == 1 {
		return "1× (real time)"
	}
	return strconv.FormatFloat(s, 'f', -1, 64) + "×"
}
