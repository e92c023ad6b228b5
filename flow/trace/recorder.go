package trace

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/bus"
)

// Version is the trace line format version.
const Version = 1

// Line is one line of a trace file.
type Line struct {
	V int `json:"v"`
	flow.Event
}

// Recorder writes events to a file, one JSON line each, flushed per event.
type Recorder struct {
	mu  sync.Mutex
	w   io.Writer
	f   *os.File
	enc *json.Encoder
	err error
	n   int
	// lost counts the events not written: the one the write failed on and
	// every one after it.
	lost int
	done chan struct{}
}

// Create opens path for recording (0600: traces hold device tokens).
func Create(path string) (*Recorder, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("--record %s: %w", path, err)
	}
	// OpenFile's mode applies only to a new file: an old trace made 0644
	// by hand would keep it while we write tokens into it.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, fmt.Errorf("--record %s: %w", path, err)
	}
	r := NewRecorder(f)
	r.f = f
	return r, nil
}

// NewRecorder writes to w. Each event is one Write call, so an *os.File gets
// whole lines.
func NewRecorder(w io.Writer) *Recorder {
	r := &Recorder{w: w}
	r.enc = json.NewEncoder(w)
	return r
}

// Emit writes one event; Recorder is a flow.Sink. Secrets are redacted first.
func (r *Recorder) Emit(e flow.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		r.lost++
		return
	}
	if err := r.enc.Encode(Line{V: Version, Event: flow.Redact(e)}); err != nil {
		r.err = err
		r.lost++
		return
	}
	r.n++
}

// Follow records every event of sub on a goroutine until sub closes; Wait
// returns when it has.
func (r *Recorder) Follow(sub *bus.Subscription) {
	r.done = make(chan struct{})
	go func() {
		defer close(r.done)
		for e := range sub.Events() {
			r.Emit(e)
		}
	}()
}

// Wait blocks until Follow's subscription has closed and every event is written.
func (r *Recorder) Wait() {
	if r.done != nil {
		<-r.done
	}
}

// Written is how many events were recorded.
func (r *Recorder) Written() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// Lost is how many events were not recorded because a write failed.
func (r *Recorder) Lost() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return uint64(r.lost)
}

// Close closes the file and reports the first write error, and how many
// events it cost: a trace that stops short must say so.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f != nil {
		if err := r.f.Close(); err != nil && r.err == nil {
			r.err = err
		}
		r.f = nil
	}
	if r.err != nil && r.lost > 0 {
		return fmt.Errorf("%s events not recorded (%d written): %w", flow.FormatCount(uint64(r.lost)), r.n, r.err)
	}
	return r.err
}
