package ingest

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/transport/otlp"
)

// TracesPath is where OTLP/HTTP traces are posted: the path an OpenTelemetry
// SDK or collector exporter uses, so a team points its existing exporter at
// callscope's --ingest address and its server's spans appear on the Server
// lane of the call whose trace id they carry.
const TracesPath = otlp.TracesPath

// OTLPResult is the answer to a traces request: the events endpoint's counts
// (events: a span and each of its span events), the spans loaded, the spans
// refused by where they sit in the request, and OTLP's own partialSuccess
// for an exporter that reads it.
type OTLPResult struct {
	Accepted int              `json:"accepted"`
	Queued   int              `json:"queued"`
	Dropped  int              `json:"dropped"`
	Spans    int              `json:"spans"`
	Rejected int              `json:"rejected"`
	Errors   []otlp.SpanError `json:"errors"`
	Partial  *partialSuccess  `json:"partialSuccess,omitempty"`
}

type partialSuccess struct {
	RejectedSpans int    `json:"rejectedSpans"`
	ErrorMessage  string `json:"errorMessage"`
}

// serveOTLP takes an OTLP/HTTP traces request; the token and the path were
// checked by ServeHTTP. The order after that is the events endpoint's:
// method, content type, size, then the spans.
func (h *Handler) serveOTLP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.fail(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed: POST traces")
		return
	}
	proto, gz, msg := otlpContentType(r.Header)
	if msg != "" {
		h.fail(w, http.StatusUnsupportedMediaType, msg)
		return
	}
	if r.ContentLength > h.maxBody {
		h.tooLarge(w)
		return
	}
	var body io.Reader = http.MaxBytesReader(w, r.Body, h.maxBody)
	if gz {
		zr, err := gzip.NewReader(body)
		if err != nil {
			h.bodyError(w, err, "body: Content-Encoding gzip but not gzip: ")
			return
		}
		// The cap holds for what the body unpacks to as well: a small
		// gzip must not become gigabytes here.
		body = io.LimitReader(zr, h.maxBody+1)
	}
	b, err := io.ReadAll(body)
	if err == nil && int64(len(b)) > h.maxBody {
		h.tooLarge(w)
		return
	}
	if err != nil {
		h.bodyError(w, err, "reading the body: ")
		return
	}
	td, err := otlp.DecodeRequest(b, proto)
	if err != nil {
		h.fail(w, http.StatusBadRequest, clip(flow.RedactValue(err.Error())))
		return
	}
	res := OTLPResult{Errors: []otlp.SpanError{}}
	q, counts := h.sink.(Queuer)
	now := h.now()
	res.Spans = otlp.Events(td, func(e flow.Event) error {
		e, err := admit(e, now)
		if err != nil {
			return err
		}
		res.Accepted++
		if !counts {
			h.sink.Emit(e)
			res.Queued++
		} else if q.Queue(e) {
			res.Queued++
		} else {
			res.Dropped++
		}
		return nil
	}, func(se otlp.SpanError) {
		res.Rejected++
		if len(res.Errors) < maxErrors {
			se.Error = clip(flow.RedactValue(se.Error))
			res.Errors = append(res.Errors, se)
		}
	})
	h.accepted.Add(uint64(res.Accepted))
	h.queued.Add(uint64(res.Queued))
	h.dropped.Add(uint64(res.Dropped))
	h.rejected.Add(uint64(res.Rejected))
	status := http.StatusOK
	if res.Rejected > 0 {
		res.Partial = &partialSuccess{RejectedSpans: res.Rejected, ErrorMessage: res.Errors[0].Span + ": " + res.Errors[0].Error}
		if res.Accepted == 0 {
			status = http.StatusBadRequest
		}
	}
	writeJSON(w, status, res)
}

// admit is what the events endpoint does to each line after decoding it:
// validate, sanitize, redact. A span's strings come from outside as much as
// a line's.
func admit(e flow.Event, now time.Time) (flow.Event, error) {
	if err := validate(&e); err != nil {
		return e, err
	}
	e.Seq = 0
	if e.Time.IsZero() {
		e.Time = now
	}
	sanitize(&e)
	return flow.Redact(e), nil
}

func (h *Handler) bodyError(w http.ResponseWriter, err error, prefix string) {
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		h.tooLarge(w)
		return
	}
	h.fail(w, http.StatusBadRequest, prefix+err.Error())
}

// otlpContentType accepts OTLP/HTTP's two encodings, uncompressed or gzip
// (what collectors send by default); msg says why a request is refused.
func otlpContentType(hd http.Header) (proto, gz bool, msg string) {
	const want = "want Content-Type: application/x-protobuf or application/json (OTLP/HTTP)"
	ct := hd.Get("Content-Type")
	if ct == "" {
		return false, false, "missing Content-Type: " + want
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false, false, fmt.Sprintf("Content-Type %q: %v; %s", clip(ct), err, want)
	}
	switch mt {
	case "application/x-protobuf", "application/protobuf":
		proto = true
	case "application/json":
	default:
		return false, false, fmt.Sprintf("Content-Type %s: %s", mt, want)
	}
	switch ce := strings.ToLower(strings.TrimSpace(hd.Get("Content-Encoding"))); ce {
	case "", "identity":
	case "gzip":
		gz = true
	default:
		return false, false, "Content-Encoding " + clip(ce) + ": send the body uncompressed or gzip"
	}
	return proto, gz, ""
}
