package replay

import (
	"errors"
	"io"

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
			bad(le)
		case errors.Is(err, io.EOF):
			return nil
		default:
			return err
		}
	}
}
