package ui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/callscope/callscope/flow"
)

// eventsMsg is what was waiting on one subscription, taken at once: Bubble
// Tea draws the whole screen after every message, so under load the screen
// applies a batch and draws once, not once per event. Outside as in
// EventMsg.
type eventsMsg struct {
	events  []flow.Event
	outside bool
}

// maxBatch bounds a batch, so keys still get their turn between batches.
const maxBatch = 512

// forward hands the events of ch to the screen until ch closes: one by one
// while they are few, everything waiting (up to maxBatch) when they are
// many. It never waits for more to arrive.
func forward(send func(tea.Msg), ch <-chan flow.Event, outside bool) {
	for e := range ch {
		batch := []flow.Event{e}
	waiting:
		for len(batch) < maxBatch {
			select {
			case e, ok := <-ch:
				if !ok {
					break waiting
				}
				batch = append(batch, e)
			default:
				break waiting
			}
		}
		send(eventsMsg{events: batch, outside: outside})
	}
}
