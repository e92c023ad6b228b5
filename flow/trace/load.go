package trace

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/callscope/callscope/flow"
)

// maxLine bounds one line in memory: a line longer than this is reported
// and skipped, never held whole.
const maxLine = 1 << 20

// LineError is one line that did not load (the reader goes on after it),
// or, with Warning set, one that loaded with something to say (a newer
// format version, events the recorder dropped there).
type LineError struct {
	File    string
	Line    int
	Reason  string
	Warning bool
}

func (e *LineError) Error() string {
	if e.Warning {
		return fmt.Sprintf("%s:%d: warning: %s", e.File, e.Line, e.Reason)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason)
}

// ErrNotTrace is wrapped by the errors that end a read because the input
// is not a trace at all: empty, binary, a directory.
var ErrNotTrace = errors.New("not a trace")

// Reader reads a trace one event at a time: a file of any size is never
// held in memory whole. A gzip trace is recognised by its magic bytes.
type Reader struct {
	name    string
	src     *bufio.Reader // the file as given
	br      *bufio.Reader // the lines (src, or gzip over it)
	c       io.Closer
	started bool
	gz      bool
	line    int
	records int // non-blank lines seen
	buf     []byte
	header  *Header
	dropped uint64
	newer   bool // the newer-version warning was given
	pending []pending
	intern  interned
	noNL    bool  // the last line read had no newline
	err     error // what ended the read, returned again from then on
}

// pending is a read-ahead result: Header reads the first line early, and a
// warning goes out before the event it is about.
type pending struct {
	l   Line
	err error
}

// Open opens a trace file for reading.
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s: a directory, not a trace file: %w", path, ErrNotTrace)
	}
	r := NewReader(path, f)
	r.c = f
	return r, nil
}

// NewReader reads a trace from r; name is what errors call it.
func NewReader(name string, r io.Reader) *Reader {
	return &Reader{name: name, src: bufio.NewReaderSize(r, 64<<10)}
}

// Header is the trace's header line, or nil for a version 1 trace (which
// has none). It reads ahead to the first line if Next has not yet.
func (r *Reader) Header() (*Header, error) {
	if r.records == 0 && len(r.pending) == 0 {
		l, err := r.read()
		var le *LineError
		if err != nil && !errors.Is(err, io.EOF) && !errors.As(err, &le) {
			return nil, err
		}
		r.pending = append(r.pending, pending{l, err})
	}
	return r.header, nil
}

// Gzip reports whether the trace is gzip-compressed (known after the first read).
func (r *Reader) Gzip() bool { return r.gz }

// Dropped is how many events the recorder said it dropped, so far.
func (r *Reader) Dropped() uint64 { return r.dropped }

// Line is the number of the last line read.
func (r *Reader) Line() int { return r.line }

// Next returns the next event. A line that does not load, or a warning,
// gives a *LineError: report it and call Next again. io.EOF ends the trace;
// any other error ends it too, naming the file and what is wrong.
func (r *Reader) Next() (flow.Event, error) {
	l, err := r.NextLine()
	return l.Event, err
}

// NextLine is Next with the line's unknown fields (Line.Extra) kept.
func (r *Reader) NextLine() (Line, error) {
	if len(r.pending) > 0 {
		p := r.pending[0]
		r.pending = r.pending[1:]
		return p.l, p.err
	}
	return r.read()
}

func (r *Reader) read() (Line, error) {
	if r.err != nil {
		return Line{}, r.err
	}
	l, err := r.readRecord()
	var le *LineError
	if err != nil && !errors.As(err, &le) {
		r.err = err
	}
	return l, err
}

func (r *Reader) readRecord() (Line, error) {
	if !r.started {
		if err := r.start(); err != nil {
			return Line{}, err
		}
	}
	for {
		b, long, err := r.readLine()
		if err != nil {
			return Line{}, r.endError(err)
		}
		r.line++
		if long {
			return Line{}, r.errorf("line longer than %d bytes, skipped", maxLine)
		}
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			continue
		}
		r.records++
		var l Line
		if r.intern == nil {
			r.intern = interned{}
		}
		if err := decodeLine(b, &l, r.intern); err != nil {
			reason := jsonReason(err)
			if r.noNL {
				reason = "truncated last line (the recording stopped mid-write), skipped: " + reason
			}
			return Line{}, r.errorf("%s", reason)
		}
		var warn *LineError
		if l.V > Version && !r.newer {
			r.newer = true
			warn = r.warnf("format version %d is newer than this callscope reads (%d): loading the fields it knows", l.V, Version)
		}
		switch {
		case l.Header != nil:
			if r.header != nil {
				if warn != nil {
					return Line{}, warn
				}
				return Line{}, r.warnf("a second header (traces joined?), ignored; the first one stands")
			}
			r.header = l.Header
			if warn != nil {
				return Line{}, warn
			}
			continue
		case l.Dropped > 0 && l.Stage == "":
			r.dropped += l.Dropped
			return Line{}, r.warnf("the recorder dropped %s events here (it fell behind)", flow.FormatCount(l.Dropped))
		case l.Stage == "" || l.Name == "":
			return Line{}, r.errorf("not an event: no stage or name")
		}
		if warn != nil {
			r.pending = append(r.pending, pending{l: l})
			return Line{}, warn
		}
		return l, nil
	}
}

// start finds out what the input is: gzip by its magic bytes, then text
// that could be JSON Lines, not binary.
func (r *Reader) start() error {
	r.started = true
	r.br = r.src
	if magic, _ := r.src.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(r.src)
		if err != nil {
			return r.gzipError(err)
		}
		r.gz = true
		r.br = bufio.NewReaderSize(zr, 64<<10)
	}
	head, err := r.br.Peek(512)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return r.endError(err)
	}
	if isBinary(head) {
		what := "binary data"
		if r.gz {
			what = "gzip of binary data"
		}
		return fmt.Errorf("%s: %s, not a trace (JSON Lines, or gzip of them): %w", r.name, what, ErrNotTrace)
	}
	return nil
}

// isBinary: a NUL byte or bytes that are not UTF-8 in the first 512 bytes.
func isBinary(b []byte) bool {
	if bytes.IndexByte(b, 0) >= 0 {
		return true
	}
	// The peek may cut a character in two: ignore an incomplete last one.
	for i := 0; i < utf8.UTFMax && len(b) > 0; i++ {
		if utf8.Valid(b) {
			return false
		}
		b = b[:len(b)-1]
	}
	return !utf8.Valid(b)
}

// endError turns what ended the read into one clear message.
func (r *Reader) endError(err error) error {
	if errors.Is(err, io.EOF) {
		if r.records == 0 && r.header == nil {
			return fmt.Errorf("%s: empty, no header and no events: %w", r.name, ErrNotTrace)
		}
		return io.EOF
	}
	if r.gz {
		return r.gzipError(err)
	}
	return fmt.Errorf("%s: %w", r.name, err)
}

func (r *Reader) gzipError(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: the gzip stream ends early (the file was cut short) after line %d: the lines before it loaded", r.name, r.line)
	}
	return fmt.Errorf("%s: gzip: %v (after line %d)", r.name, err, r.line)
}

// Close closes the file Open opened.
func (r *Reader) Close() error {
	if r.c != nil {
		return r.c.Close()
	}
	return nil
}

// readLine returns one line without its newline, valid until the next call.
// A line over maxLine is read to its end and dropped (long is true). A
// last line without a newline is returned as is.
func (r *Reader) readLine() (b []byte, long bool, err error) {
	buf := r.buf[:0]
	first := true
	r.noNL = false
	for {
		chunk, err := r.br.ReadSlice('\n')
		if first && err == nil {
			return chunk, false, nil // the common case: no copy
		}
		first = false
		if len(buf)+len(chunk) <= maxLine {
			buf = append(buf, chunk...)
		} else {
			long = true
		}
		switch {
		case err == nil:
			r.buf = buf
			return buf, long, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && (len(buf) > 0 || long):
			r.buf, r.noNL = buf, true
			return buf, long, nil
		default:
			return nil, false, err
		}
	}
}

func (r *Reader) errorf(format string, a ...any) *LineError {
	return &LineError{File: r.name, Line: r.line, Reason: fmt.Sprintf(format, a...)}
}

func (r *Reader) warnf(format string, a ...any) *LineError {
	return &LineError{File: r.name, Line: r.line, Reason: fmt.Sprintf(format, a...), Warning: true}
}

func jsonReason(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Sprintf("field %s: %s is not a %s", strings.TrimPrefix(strings.TrimPrefix(te.Field, "Event."), "Line."), te.Value, te.Type)
	}
	return "not JSON: " + err.Error()
}

// Load reads every event of path, reporting each bad line and each
// warning to bad and going on. It returns the events in file order; an
// error ends the load (not a trace, a gzip cut short) with the events read
// before it.
func Load(path string, bad func(*LineError)) ([]flow.Event, error) {
	r, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var out []flow.Event
	for {
		e, err := r.Next()
		var le *LineError
		switch {
		case err == nil:
			out = append(out, e)
		case errors.As(err, &le):
			if bad != nil {
				bad(le)
			}
		case errors.Is(err, io.EOF):
			return out, nil
		default:
			return out, err
		}
	}
}
