package replay

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/trace"
)

// Read streams the events of the trace at path to each, in file order.
// Every line that does not load goes to bad (FILE:LINE: reason) and the
// read goes on. A header line (`{"v":2,"header":{…}}`, the trace's first
// line since format 2) is not an event and not an error: it is skipped.
// The error is for the file as a whole: it cannot be opened, or its reading
// broke off.
func Read(path string, each func(flow.Event), bad func(*trace.LineError)) error {
	r, err := trace.Open(path)
	if err != nil {
		return err
	}
	defer r.Close()
	for {
		e, err := r.Next()
		var le *trace.LineError
		switch {
		case err == nil:
			each(e)
		case errors.As(err, &le):
			if le.Line == 1 && strings.HasPrefix(le.Reason, "not an event") && isHeader(path) {
				continue
			}
			bad(le)
		case errors.Is(err, io.EOF):
			return nil
		default:
			return err
		}
	}
}

// isHeader reports whether the first line of path is a trace header. The
// loader says only that it is not an event; this looks for itself, once.
func isHeader(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var r io.Reader = bufio.NewReader(f)
	if magic, _ := r.(*bufio.Reader).Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		if r, err = gzip.NewReader(r); err != nil {
			return false
		}
	}
	line, err := bufio.NewReaderSize(io.LimitReader(r, 1<<20), 64<<10).ReadBytes('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false
	}
	var h struct {
		Header json.RawMessage `json:"header"`
	}
	return json.Unmarshal(line, &h) == nil && len(h.Header) > 0
}
