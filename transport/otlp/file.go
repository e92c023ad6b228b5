package otlp

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// Exporter sends built traces to one destination.
type Exporter interface {
	// Export hands traces on. An exporter that sends in the background
	// reports failures from Close.
	Export(ctx context.Context, traces []Trace) error
	// Close sends what is pending and says what did not get through.
	Close(ctx context.Context) error
	// Target names the destination in messages: a file, a URL.
	Target() string
}

// FileExporter writes OTLP JSON: each Export is one line holding one
// ExportTraceServiceRequest, as the OTLP file exporter specification and
// the collector's otlpjsonfile receiver have it. A file of one Export is
// also a plain JSON document, which any OTLP JSON reader takes.
type FileExporter struct {
	mu      sync.Mutex
	w       io.Writer
	f       *os.File
	name    string
	version string
	err     error
}

// CreateFile truncates or creates path (0600: spans carry device tokens'
// ends and the call's parties) and writes OTLP JSON to it.
func CreateFile(path, version string) (*FileExporter, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, err
	}
	x := NewFileExporter(f, path, version)
	x.f = f
	return x, nil
}

// NewFileExporter writes OTLP JSON to w; name is what messages call it.
func NewFileExporter(w io.Writer, name, version string) *FileExporter {
	return &FileExporter{w: w, name: name, version: version}
}

// Marshal is traces as one OTLP JSON ExportTraceServiceRequest, marshalled
// by the collector's pdata.
func Marshal(traces []Trace, version string) ([]byte, error) {
	return ptraceotlp.NewExportRequestFromTraces(Traces(traces, version)).MarshalJSON()
}

// Export writes traces as one line, in one Write: a run killed mid-way
// leaves whole lines.
func (x *FileExporter) Export(_ context.Context, traces []Trace) error {
	if len(traces) == 0 {
		return nil
	}
	b, err := Marshal(traces, x.version)
	if err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.err != nil {
		return x.err
	}
	if _, err := x.w.Write(append(b, '\n')); err != nil {
		x.err = fmt.Errorf("%s: %w", x.name, err)
		return x.err
	}
	return nil
}

// Close closes the file CreateFile opened and reports the first write error.
func (x *FileExporter) Close(context.Context) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.f != nil {
		if err := x.f.Close(); err != nil && x.err == nil {
			x.err = fmt.Errorf("%s: %w", x.name, err)
		}
		x.f = nil
	}
	return x.err
}

// Target is the file's name.
func (x *FileExporter) Target() string { return x.name }
