package trace

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/bus"
)

// QueueSize is how many events Emit holds for the file writer before it
// drops (and counts) the next: a stage never waits for the disk.
const QueueSize = 1 << 16

// SyncEvery is how often a recording file is fsynced while events come in;
// Close syncs too. A kill -9 loses at most the line being written (each
// line is one write(2), kept by the kernel), a power cut at most this much.
const SyncEvery = time.Second

// Recorder writes events to a trace, one JSON line each, one write per line.
// Emit never blocks: events go through a bounded queue to a writer
// goroutine; an event the full queue cannot take is counted, and the count
// is written as a {"v":2,"dropped":N} line before the next event.
type Recorder struct {
	// Plaintext keeps decrypted text (--record-plaintext); off, it is
	// replaced before the event is written. Set it before the first Emit.
	Plaintext bool

	mu     sync.Mutex // the writer's state below
	w      io.Writer
	f      *os.File
	gz     *gzip.Writer
	err    error
	n      int
	lost   int // events not written because a write failed
	dirty  bool
	closed bool
	buf    bytes.Buffer
	enc    *json.Encoder // into buf

	qmu      sync.RWMutex // guards q against Emit after Close
	q        chan qitem
	qstarted sync.Once
	qdone    chan struct{}
	dropped  atomic.Uint64 // queue drops not yet written as a line
	qdrops   atomic.Uint64 // queue drops in all

	follows  sync.WaitGroup
	stopSync chan struct{}
	syncDone chan struct{}
}

type qitem struct {
	e   flow.Event
	ack chan struct{} // Flush's marker: no event
}

// Create opens path for recording (0600: traces hold device tokens) and
// writes a header with the defaults (format and callscope versions, start
// time). A path ending in .gz is written gzip-compressed.
func Create(path string) (*Recorder, error) {
	return CreateWithHeader(path, Header{})
}

// CreateWithHeader is Create with the header's run details filled in.
func CreateWithHeader(path string, h Header) (*Recorder, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("--record %s: %w", path, err)
	}
	// OpenFile's mode applies only to a new file: an old trace made 0644
	// by hand would keep it while we write tokens into it.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, fmt.Errorf("--record %s: %w", path, err)
	}
	var w io.Writer = f
	r := &Recorder{f: f}
	if strings.HasSuffix(path, ".gz") {
		r.gz = gzip.NewWriter(f)
		w = r.gz
	}
	r.w = w
	if err := r.WriteHeader(h); err != nil {
		f.Close()
		return nil, fmt.Errorf("--record %s: %w", path, err)
	}
	r.stopSync, r.syncDone = make(chan struct{}), make(chan struct{})
	go r.syncLoop()
	return r, nil
}

// NewRecorder writes to w, without a header (WriteHeader writes one). Each
// line is one Write call, so an *os.File gets whole lines.
func NewRecorder(w io.Writer) *Recorder {
	return &Recorder{w: w}
}

// WriteHeader writes h as the header line, filling in the format version,
// the callscope version and the start time when they are zero.
func (r *Recorder) WriteHeader(h Header) error {
	if h.Format == 0 {
		h.Format = Version
	}
	if h.Callscope == "" {
		h.Callscope = CallscopeVersion
	}
	if h.Start.IsZero() {
		h.Start = time.Now().UTC()
	}
	h.Plaintext = h.Plaintext || r.Plaintext
	b, err := MarshalLine(Line{Header: &h})
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	_, err = r.w.Write(b)
	r.dirty = true
	if r.gz != nil && err == nil {
		err = r.gz.Flush() // the header is on disk even if the run dies at once
	}
	return err
}

// Emit queues one event for writing; Recorder is a flow.Sink. It never
// blocks: a full queue drops the event and counts it. Secrets are redacted,
// and plaintext removed unless Plaintext is set, before the event is written.
func (r *Recorder) Emit(e flow.Event) {
	r.qstarted.Do(r.startQueue)
	r.qmu.RLock()
	defer r.qmu.RUnlock()
	if r.q == nil {
		r.drop()
		return
	}
	select {
	case r.q <- qitem{e: e}:
	default:
		r.drop()
	}
}

func (r *Recorder) drop() {
	r.dropped.Add(1)
	r.qdrops.Add(1)
}

func (r *Recorder) startQueue() {
	r.qmu.Lock()
	defer r.qmu.Unlock()
	if r.closed {
		return
	}
	q, done := make(chan qitem, QueueSize), make(chan struct{})
	r.q, r.qdone = q, done
	go func() {
		defer close(done)
		for it := range q {
			if it.ack != nil {
				close(it.ack)
				continue
			}
			r.write(Line{Event: it.e}, 0)
		}
	}()
}

// Flush waits until every event Emit queued so far is written. For tests
// and readers beside a live recording; stages never call it.
func (r *Recorder) Flush() {
	r.qstarted.Do(r.startQueue)
	r.qmu.RLock()
	if r.q == nil {
		r.qmu.RUnlock()
		return
	}
	ack := make(chan struct{})
	r.q <- qitem{ack: ack}
	r.qmu.RUnlock()
	<-ack
}

// WriteLine writes l as it is (a copied trace keeps its unknown fields),
// after redaction, synchronously. Not for stages: replay and tools use it.
func (r *Recorder) WriteLine(l Line) {
	r.write(l, 0)
}

// write writes one line, preceded by a drop marker if events were dropped
// since the last write (extra: a followed subscription's new drops).
func (r *Recorder) write(l Line, extra uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil || r.closed {
		r.lost++
		return
	}
	r.buf.Reset()
	if r.enc == nil {
		r.enc = newLineEncoder(&r.buf)
	}
	d := r.dropped.Swap(0) + extra
	if d > 0 {
		encodeLine(r.enc, &r.buf, Line{Dropped: d})
	}
	l.Event = flow.Redact(l.Event)
	if !r.Plaintext {
		l.Event = flow.RedactPlaintext(l.Event)
	}
	if err := encodeLine(r.enc, &r.buf, l); err != nil {
		r.err = err
		r.lost++
		return
	}
	if _, err := r.w.Write(r.buf.Bytes()); err != nil {
		r.err = err
		r.lost++
		return
	}
	r.dirty = true
	r.n++
}

// Follow records every event of sub on a goroutine until sub closes; Wait
// returns when every followed subscription has. It may be called for more
// than one subscription (a screen's own events and --ingest's). The
// subscription is the bounded queue: its drops are written as drop markers
// too (and reported by its owner).
func (r *Recorder) Follow(sub *bus.Subscription) {
	r.follows.Add(1)
	go func() {
		defer r.follows.Done()
		var last uint64
		for e := range sub.Events() {
			d := sub.Dropped()
			r.write(Line{Event: e}, d-last)
			last = d
		}
		if d := sub.Dropped(); d > last {
			r.writeMarker(d - last)
		}
	}()
}

// writeMarker writes drops that no event followed.
func (r *Recorder) writeMarker(n uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil || r.closed {
		return
	}
	m, _ := MarshalLine(Line{Dropped: n + r.dropped.Swap(0)})
	if _, err := r.w.Write(m); err != nil {
		r.err = err
	}
	r.dirty = true
}

// Wait blocks until every followed subscription has closed and its events
// are written.
func (r *Recorder) Wait() { r.follows.Wait() }

// Written is how many events were recorded.
func (r *Recorder) Written() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// Dropped is how many events Emit dropped because the queue was full.
func (r *Recorder) Dropped() uint64 { return r.qdrops.Load() }

// Lost is how many events were not recorded: a write failed, or the queue
// was full. (A Follow subscription's own drops are its owner's to count.)
func (r *Recorder) Lost() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return uint64(r.lost) + r.qdrops.Load()
}

func (r *Recorder) syncLoop() {
	defer close(r.syncDone)
	t := time.NewTicker(SyncEvery)
	defer t.Stop()
	for {
		select {
		case <-r.stopSync:
			return
		case <-t.C:
			r.mu.Lock()
			r.syncLocked()
			r.mu.Unlock()
		}
	}
}

// syncLocked pushes what was written to the disk: the gzip block, then fsync.
func (r *Recorder) syncLocked() {
	if !r.dirty || r.err != nil {
		return
	}
	r.dirty = false
	if r.gz != nil {
		if err := r.gz.Flush(); err != nil {
			r.err = err
			return
		}
	}
	if r.f != nil {
		if err := r.f.Sync(); err != nil && r.err == nil {
			r.err = err
		}
	}
}

// Close writes what is queued, a last drop marker if events were dropped
// since the last line, syncs and closes the file. It reports the first
// write error and the events lost: a trace that stops short must say so,
// and the run fails for it.
func (r *Recorder) Close() error {
	r.qstarted.Do(func() {}) // no queue after Close
	r.qmu.Lock()
	q := r.q
	r.q = nil
	r.qmu.Unlock()
	if q != nil {
		close(q)
		<-r.qdone
	}
	if r.stopSync != nil {
		close(r.stopSync)
		<-r.syncDone
		r.stopSync = nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return r.closeErr()
	}
	if d := r.dropped.Swap(0); d > 0 && r.err == nil {
		m, _ := MarshalLine(Line{Dropped: d})
		if _, err := r.w.Write(m); err != nil {
			r.err = err
		}
		r.dirty = true
	}
	r.syncLocked()
	if r.gz != nil {
		if err := r.gz.Close(); err != nil && r.err == nil {
			r.err = err
		}
	}
	if r.f != nil {
		if err := r.f.Sync(); err != nil && r.err == nil && r.dirty {
			r.err = err
		}
		if err := r.f.Close(); err != nil && r.err == nil {
			r.err = err
		}
	}
	r.closed = true
	return r.closeErr()
}

func (r *Recorder) closeErr() error {
	q := r.qdrops.Load()
	switch {
	case r.err != nil && (r.lost > 0 || q > 0):
		return fmt.Errorf("%s events not recorded (%d written): %w", flow.FormatCount(uint64(r.lost)+q), r.n, r.err)
	case r.err != nil:
		return r.err
	case q > 0:
		return fmt.Errorf("%s events dropped because the disk fell behind (%d written); the trace marks where", flow.FormatCount(q), r.n)
	}
	return nil
}
