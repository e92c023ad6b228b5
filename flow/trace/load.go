package trace

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/callscope/callscope/flow"
)

// maxLine bounds one line in memory: a line longer than this is reported
// and skipped, never held whole.
const maxLine = 1 << 20

// LineError is one line that did not load. The reader goes on after it.
type LineError struct {
	File   string
	Line   int
	Reason string
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason) }

// Reader reads a trace one event at a time: a file of any size is never
// held in memory whole.
type Reader struct {
	name string
	br   *bufio.Reader
	c    io.Closer
	line int
}

// Open opens a trace file for reading.
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s: a directory, not a trace file", path)
	}
	r := NewReader(path, f)
	r.c = f
	return r, nil
}

// NewReader reads a trace from r; name is what errors call it.
func NewReader(name string, r io.Reader) *Reader {
	return &Reader{name: name, br: bufio.NewReaderSize(r, 64<<10)}
}

// Next returns the next event. A line that does not load gives a
// *LineError: report it and call Next again. io.EOF ends the trace.
func (r *Reader) Next() (flow.Event, error) {
	for {
		b, long, err := r.readLine()
		if err != nil {
			return flow.Event{}, err
		}
		r.line++
		if long {
			return flow.Event{}, r.errorf("line longer than %d bytes, skipped", maxLine)
		}
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			continue
		}
		var l Line
		if err := json.Unmarshal(b, &l); err != nil {
			return flow.Event{}, r.errorf("%s", jsonReason(err))
		}
		if l.Stage == "" || l.Name == "" {
			return flow.Event{}, r.errorf("not an event: no stage or name")
		}
		return l.Event, nil
	}
}

// Close closes the file Open opened.
func (r *Reader) Close() error {
	if r.c != nil {
		return r.c.Close()
	}
	return nil
}

// readLine returns one line without its newline. A line over maxLine is
// read to its end and dropped (long is true). A last line without a
// newline is returned as is.
func (r *Reader) readLine() (b []byte, long bool, err error) {
	var buf []byte
	for {
		chunk, err := r.br.ReadSlice('\n')
		if len(buf)+len(chunk) <= maxLine {
			buf = append(buf, chunk...)
		} else {
			long = true
		}
		switch {
		case err == nil:
			return buf, long, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && (len(buf) > 0 || long):
			return buf, long, nil
		default:
			return nil, false, err
		}
	}
}

func (r *Reader) errorf(format string, a ...any) *LineError {
	return &LineError{File: r.name, Line: r.line, Reason: fmt.Sprintf(format, a...)}
}

func jsonReason(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Sprintf("field %s: %s is not a %s", strings.TrimPrefix(te.Field, "Event."), te.Value, te.Type)
	}
	return "not JSON: " + err.Error()
}

// Load reads every event of path, reporting each bad line to bad and going
// on. It returns the events in file order.
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
			return out, fmt.Errorf("%s: %w", path, err)
		}
	}
}
