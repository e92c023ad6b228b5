package pipeline

import (
	"context"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/device"
)

// TestCloseAfterALoadIsPrompt: after a burst of concurrent calls (which
// leaves the sender with spare keep-alive connections), Close returns at
// once, not after net/http's 5 s wait for connections that never sent a
// request. `send` exits as soon as Close returns.
func TestCloseAfterALoadIsPrompt(t *testing.T) {
	const n, c = 300, 64
	cfg := Config{Profile: device.DefaultProfile()}
	cfg.Profile.MaximumCallGroups = c
	p, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	p.PlaceMany(context.Background(), p.Compose(), n, c, func(flow.Call) {})
	done := make(chan struct{})
	go func() {
		p.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Close still waiting 2 s after the last call")
	}
}
