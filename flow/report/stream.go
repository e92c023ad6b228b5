package report

import (
	"encoding/json"
	"io"

	"github.com/callscope/callscope/flow"
)

// JSONStream writes the `send --json` document (Output) as the run goes: the
// warnings first, each call as it ends, the summary last. It keeps no call
// once written, so a run of a million calls needs no more memory than one of
// ten. The bytes are those json.Encoder with a two-space indent writes for
// the whole Output (one document, the same keys in the same order), except
// that a run with no call ends has "calls": [] rather than null.
type JSONStream struct {
	w     io.Writer
	calls int
	err   error // the first write error; later writes are skipped
}

// Indents of a call inside "calls" and of a top-level value, as
// json.Encoder.SetIndent("", "  ") puts them.
const (
	callIndent = "    "
	keyIndent  = "  "
)

// NewJSONStream starts the document on w with the warnings.
func NewJSONStream(w io.Writer, warnings []Warning) *JSONStream {
	s := &JSONStream{w: w}
	if warnings == nil {
		warnings = []Warning{} // never null
	}
	ws, err := json.MarshalIndent(warnings, keyIndent, "  ")
	if err != nil {
		s.err = err
		return s
	}
	s.write([]byte("{\n" + keyIndent + `"warnings": `))
	s.write(ws)
	s.write([]byte(",\n" + keyIndent + `"calls": [`))
	return s
}

// Call writes one call that ended, at once.
func (s *JSONStream) Call(c flow.Call) {
	if s.err != nil {
		return
	}
	b, err := json.MarshalIndent(ToJSON(c), callIndent, "  ")
	if err != nil {
		s.err = err
		return
	}
	sep := ",\n" + callIndent
	if s.calls == 0 {
		sep = "\n" + callIndent
	}
	s.calls++
	// One write per call: a reader of a pipe sees whole calls.
	s.write(append([]byte(sep), b...))
}

// Calls is how many calls were written.
func (s *JSONStream) Calls() int { return s.calls }

// Close ends the document with the summary and reports the first error
// met writing it.
func (s *JSONStream) Close(sum SummaryJSON) error {
	if s.err != nil {
		return s.err
	}
	b, err := json.MarshalIndent(sum, keyIndent, "  ")
	if err != nil {
		return err
	}
	end := "\n" + keyIndent + "],\n"
	if s.calls == 0 {
		end = "],\n"
	}
	s.write([]byte(end + keyIndent + `"summary": `))
	s.write(append(b, "\n}\n"...))
	return s.err
}

func (s *JSONStream) write(b []byte) {
	if s.err == nil {
		_, s.err = s.w.Write(b)
	}
}
