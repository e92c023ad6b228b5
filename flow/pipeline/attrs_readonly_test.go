package pipeline

import (
	"context"
	"maps"
	"reflect"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/device"
)

// TestEmittedAttrsStayAsPublished: flow.Event.Attrs are read-only once
// emitted, and the device shares one map between the events that carry
// only their state. Through the whole pipeline (redaction, the tracker,
// the bus) and calls in flight at once, every event's attributes read at
// the end as they did when the bus delivered it, and a map shared by
// events of several calls reads the same on each and holds the state
// alone, as the device made it: no stage writes to a map it was handed.
func TestEmittedAttrsStayAsPublished(t *testing.T) {
	for _, policy := range []device.AnswerPolicy{device.AnswerAuto, device.AnswerDecline} {
		t.Run(string(policy), func(t *testing.T) {
			p := newPipeline(t, profile(func(pr *device.Profile) {
				pr.AnswerPolicy = policy
				pr.MaximumCallGroups = 64
			}))
			sub := p.Bus().Subscribe(1 << 14)
			type seen struct {
				trace   string
				m, then map[string]string
			}
			got := make(chan []seen, 1)
			go func() {
				var all []seen
				for e := range sub.Events() {
					all = append(all, seen{e.TraceID, e.Attrs, maps.Clone(e.Attrs)})
				}
				got <- all
			}()
			p.PlaceMany(context.Background(), p.Compose(), 40, 8, func(flow.Call) {})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := p.Settle(ctx); err != nil {
				t.Fatal(err)
			}
			sub.Close()
			all := <-got
			if sub.Dropped() != 0 {
				t.Fatalf("the subscription dropped %d events", sub.Dropped())
			}
			first := map[uintptr]seen{}
			shared := map[uintptr]bool{}
			for i, s := range all {
				if s.m == nil {
					continue
				}
				if !maps.Equal(s.m, s.then) {
					t.Fatalf("event %d: attributes %v when published, %v at the end", i, s.then, s.m)
				}
				ptr := reflect.ValueOf(s.m).Pointer()
				f, ok := first[ptr]
				if !ok {
					first[ptr] = s
					continue
				}
				if !maps.Equal(f.then, s.then) {
					t.Fatalf("event %d: a shared map read %v on an earlier event, %v on this one", i, f.then, s.then)
				}
				if f.trace != s.trace {
					shared[ptr] = true
					if _, state := s.then[device.AttrState]; !state || len(s.then) != 1 {
						t.Fatalf("event %d: a map shared by two calls' events holds %v, not a state alone", i, s.then)
					}
				}
			}
			if len(shared) == 0 {
				t.Fatal("no map was shared by two calls' events: the test no longer sees the device's state-only maps")
			}
		})
	}
}
