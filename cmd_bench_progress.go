package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"charm.land/bubbles/v2/progress"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/term"
)

// termProgress draws a Bubbles progress bar on the last line of a
// terminal while other output scrolls above it: every write first erases
// the bar and draws it again after a finished line. It is used only when
// stdout is a terminal and the output is not JSON (progressOn).
type termProgress struct {
	mu      sync.Mutex
	w       io.Writer
	bar     progress.Model
	label   string
	done    float64
	start   time.Time
	drawn   bool
	partial bool // the last write ended mid-line: no bar until it ends
	width   int  // the terminal's columns: a wrapped bar could not be erased
	stop    chan struct{}
	stopped sync.WaitGroup
	closed  sync.Once
	closing bool
}

// termWidth is the width of the terminal out is, 80 when unknown.
func termWidth(out io.Writer) int {
	if f, ok := out.(*os.File); ok {
		if w, _, err := term.GetSize(f.Fd()); err == nil && w > 0 {
			return w
		}
	}
	return 80
}

// progressOn says whether a command shows a progress bar: on a terminal,
// never for JSON or when stdout is piped or redirected.
func progressOn(out io.Writer, asJSON bool) bool {
	return !asJSON && isTerminal(out)
}

// newTermProgress starts a bar on w; Close removes it. The bar is redrawn
// a few times a second so that its elapsed time moves even when the work
// reports nothing, and never more often: callers may Set on every
// operation.
func newTermProgress(w io.Writer, width int) *termProgress {
	p := &termProgress{w: w, width: width, start: time.Now(), stop: make(chan struct{}),
		bar: progress.New(progress.WithWidth(32), progress.WithDefaultBlend())}
	p.stopped.Add(1)
	go func() {
		defer p.stopped.Done()
		t := time.NewTicker(150 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.mu.Lock()
				p.draw()
				p.mu.Unlock()
			}
		}
	}()
	return p
}

// Set says what is running and how far it is (0–1).
func (p *termProgress) Set(label string, done float64) {
	p.mu.Lock()
	changed := label != p.label
	if changed {
		p.start = time.Now()
	}
	p.label, p.done = label, min(max(done, 0), 1)
	if changed {
		p.draw() // at once: a short phase shows too
	}
	p.mu.Unlock()
}

// Write passes output through above the bar.
func (p *termProgress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.erase()
	n, err := p.w.Write(b)
	p.partial = len(b) > 0 && !bytes.HasSuffix(b, []byte("\n"))
	return n, err
}

// Close stops the bar and erases it; a second Close does nothing.
func (p *termProgress) Close() {
	p.closed.Do(func() {
		close(p.stop)
		p.stopped.Wait()
		p.mu.Lock()
		p.erase()
		p.closing = true // a late Set draws nothing
		p.mu.Unlock()
	})
}

func (p *termProgress) erase() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[2K")
		p.drawn = false
	}
}

func (p *termProgress) draw() {
	if p.partial || p.label == "" || p.closing {
		return
	}
	p.erase()
	tail := " " + p.bar.ViewAs(p.done) + "  " + time.Since(p.start).Truncate(100*time.Millisecond).String()
	label := ansi.Truncate(p.label, max(p.width-1-ansi.StringWidth(tail), 8), "…")
	fmt.Fprint(p.w, label+tail)
	p.drawn = true
}
