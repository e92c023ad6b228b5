package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"github.com/callscope/callscope/internal/allocstat"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"time"
)

// server is a server process bench apns drives: the mock or the baseline,
// each started from the callscope binary as users start it.
type server struct {
	name string
	cmd  *exec.Cmd
	url  string // https://ADDR
	// out is what the process printed after its start-up lines, kept
	// short: the mock's log is drained, not kept, but its exit lines are.
	mu      sync.Mutex
	tail    []byte // the end of the output
	logged  int64  // bytes of output drained
	stderr  bytes.Buffer
	drained chan struct{}
	// allocs carries the process's answers to allocstat.Ask.
	allocs chan uint64
}

var listeningRE = regexp.MustCompile(`listening on (https://\S+)`)

// startTimeout bounds a server's start-up: key generation, listening.
const startTimeout = 20 * time.Second

// startServer starts exe with args and waits for its "listening on
// https://ADDR" line. Its output is then drained as fast as it comes (a
// process whose pipe fills would stall), its last lines kept.
func startServer(ctx context.Context, name, exe string, args ...string) (*server, error) {
	s := &server{name: name, cmd: exec.Command(exe, args...), drained: make(chan struct{}), allocs: make(chan uint64, 4)}
	s.cmd.Env = append(os.Environ(), allocstat.Env+"=1")
	s.cmd.Stderr = &statsWriter{allocs: s.allocs, rest: &lockedWriter{mu: &s.mu, w: &s.stderr}}
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	found := make(chan string, 1)
	go s.drain(stdout, found)
	t := time.NewTimer(startTimeout)
	defer t.Stop()
	select {
	case s.url = <-found:
		return s, nil
	case <-s.drained:
		_ = s.cmd.Wait()
		return nil, fmt.Errorf("%s (%s %s) did not start: %s", name, exe, strings.Join(args, " "), s.why())
	case <-t.C:
	case <-ctx.Done():
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	<-s.drained
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return nil, fmt.Errorf("%s (%s %s) printed no \"listening on\" line in %s: %s", name, exe, strings.Join(args, " "), startTimeout, s.why())
}

// drain reads the process's output to its end: the listening line goes to
// found, the bytes after it are counted and the last few KB kept, for the
// exit lines. It reads in big chunks: the bench's own CPU is the client's.
func (s *server) drain(r io.Reader, found chan<- string) {
	defer close(s.drained)
	br := bufio.NewReaderSize(r, 64<<10)
	for found != nil {
		line, err := br.ReadSlice('\n')
		s.keep(line)
		if m := listeningRE.FindSubmatch(line); m != nil {
			found <- string(m[1])
			found = nil
		}
		if err != nil && err != bufio.ErrBufferFull {
			return
		}
	}
	buf := make([]byte, 64<<10)
	for {
		n, err := br.Read(buf)
		s.keep(buf[:n])
		if err != nil {
			return
		}
	}
}

// tailKeep is how much of the end of a server's output is kept.
const tailKeep = 4 << 10

func (s *server) keep(b []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logged += int64(len(b))
	if len(b) > tailKeep {
		b = b[len(b)-tailKeep:]
	}
	s.tail = append(s.tail, b...)
	if len(s.tail) > 2*tailKeep {
		s.tail = append(s.tail[:0], s.tail[len(s.tail)-tailKeep:]...)
	}
}

// lastLines are the last n whole lines of the output.
func (s *server) lastLines(n int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := strings.Split(strings.TrimRight(string(s.tail), "\n"), "\n")
	if len(s.tail) >= tailKeep && len(l) > 1 {
		l = l[1:] // cut: not a whole line
	}
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return l
}

// why is the process's last words, for an error.
func (s *server) why() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := strings.TrimSpace(s.stderr.String()); e != "" {
		return e
	}
	s.mu.Unlock()
	l := s.lastLines(3)
	s.mu.Lock()
	if len(l) > 0 && l[0] != "" {
		return strings.Join(l, "; ")
	}
	return "no output"
}

// stop interrupts the process as Ctrl-C does, so the mock closes its
// outputs and prints its exit lines, and waits for it (killing it when it
// does not end in 10 s). It returns the last lines it printed.
func (s *server) stop() []string {
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	t := time.NewTimer(10 * time.Second)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		_ = s.cmd.Process.Kill()
		<-done
	}
	<-s.drained
	return s.lastLines(8)
}

// cpuTime is the process's user+system CPU time so far (/proc/PID/stat).
func (s *server) cpuTime() (time.Duration, error) { return ProcCPU(s.cmd.Process.Pid) }

// peakRSS is the process's peak resident set (VmHWM), in bytes.
func (s *server) peakRSS() (int64, error) { return PeakRSS(s.cmd.Process.Pid) }

// allocsWait bounds the wait for an answer to allocstat.Ask.
const allocsWait = 2 * time.Second

// allocCount asks the process how many heap objects it has allocated.
func (s *server) allocCount() (uint64, error) {
	for len(s.allocs) > 0 { // a late answer to an earlier question
		<-s.allocs
	}
	if err := allocstat.Ask(s.cmd.Process); err != nil {
		return 0, err
	}
	t := time.NewTimer(allocsWait)
	defer t.Stop()
	select {
	case n := <-s.allocs:
		return n, nil
	case <-t.C:
		return 0, fmt.Errorf("no allocation count within %s", allocsWait)
	}
}

// statsWriter is a server's stderr: allocstat's answer lines go to allocs,
// the rest to rest. The process writes each answer in one write, but a
// pipe keeps no write boundaries: a read may end inside an answer (behind
// other output), so an unfinished line that may be one waits for its end.
type statsWriter struct {
	allocs chan<- uint64
	rest   io.Writer
	part   []byte // the start of a line that may be an answer
}

func (w *statsWriter) Write(p []byte) (int, error) {
	b := p
	if len(w.part) > 0 {
		b = append(w.part, p...)
		w.part = nil
	}
	var other []byte
	for line := range bytes.Lines(b) {
		if line[len(line)-1] != '\n' {
			if s := string(line); strings.HasPrefix(s, allocstat.Prefix) || strings.HasPrefix(allocstat.Prefix, s) {
				w.part = append([]byte(nil), line...)
				break
			}
		} else if n, ok := allocstat.Parse(string(line[:len(line)-1])); ok {
			select {
			case w.allocs <- n:
			default: // nobody asked: dropped, as no one waits for it
			}
			continue
		}
		other = append(other, line...)
	}
	if len(other) > 0 {
		if _, err := w.rest.Write(other); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.w.(*bytes.Buffer); ok && b.Len() > 16<<10 {
		return len(p), nil // enough to say why it failed
	}
	return l.w.Write(p)
}
