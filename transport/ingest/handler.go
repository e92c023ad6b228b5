package ingest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/callscope/callscope/flow"
)

// Path is where events are posted.
const Path = "/v1/events"

// DefaultMaxBody is the largest batch accepted. The mock sends at most 256
// events a batch, a few tens of KiB; 16 MiB holds a load test's 60,000
// events in one batch and keeps a runaway client from filling memory (lines
// are decoded and handed on one by one: a batch costs its body, not its
// events).
const DefaultMaxBody = 16 << 20

// maxErrors bounds the errors listed in one answer; rejected still counts
// every bad line.
const maxErrors = 100

// Result is the answer to a batch. Accepted are the valid lines; of them,
// Queued reached the screen's buffer and Dropped did not (the screen fell
// behind): Accepted = Queued + Dropped. A client that sees Dropped knows the
// screen will not show those events.
type Result struct {
	Accepted int         `json:"accepted"`
	Queued   int         `json:"queued"`
	Dropped  int         `json:"dropped"`
	Rejected int         `json:"rejected"`
	Errors   []LineError `json:"errors"`
}

// Stats are the endpoint's counts since it started.
type Stats struct {
	Accepted uint64 // events handed to the sink
	Queued   uint64 // of them, queued for the sink's readers
	Dropped  uint64 // of them, dropped because a reader's buffer was full
	Rejected uint64 // lines skipped as bad
	Refused  uint64 // requests answered with an error status before any line was read
}

// Queuer is a sink that says whether an event was queued for its readers;
// *bus.Bus is one. The handler answers Queued and Dropped with it. Any other
// sink takes each event as it comes: all accepted are queued.
type Queuer interface {
	Queue(e flow.Event) bool
}

// Handler takes batches of events at Path and hands each valid one to a sink.
// It is safe for concurrent use.
type Handler struct {
	sink    flow.Sink
	token   [sha256.Size]byte
	hasTok  bool
	maxBody int64
	now     func() time.Time

	accepted, queued, dropped, rejected, refused atomic.Uint64
}

// NewHandler returns a handler that emits to sink. A non-empty token is
// required, as a bearer token, on every request. maxBody ≤ 0 means
// DefaultMaxBody.
func NewHandler(sink flow.Sink, token string, maxBody int64) *Handler {
	if maxBody <= 0 {
		maxBody = DefaultMaxBody
	}
	h := &Handler{sink: sink, maxBody: maxBody, now: time.Now}
	if token != "" {
		// Comparing digests keeps the comparison constant-time in the
		// token's length too: subtle.ConstantTimeCompare returns at once
		// on a length mismatch.
		h.token, h.hasTok = sha256.Sum256([]byte(token)), true
	}
	return h
}

// Stats returns the counts so far.
func (h *Handler) Stats() Stats {
	return Stats{Accepted: h.accepted.Load(), Queued: h.queued.Load(), Dropped: h.dropped.Load(),
		Rejected: h.rejected.Load(), Refused: h.refused.Load()}
}

// ServeHTTP checks, in order: token, path, method, content type, size; then
// loads the lines. The token comes before anything else, the path too, so a
// client without it learns nothing about the endpoint but that it exists: a
// 404 for one path and a 401 for another would let it map what is served.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="callscope ingest"`)
		h.fail(w, http.StatusUnauthorized, "missing or wrong bearer token (Authorization: Bearer <CALLSCOPE_INGEST_TOKEN>)")
		return
	}
	if r.URL.Path == TracesPath { // OTLP/HTTP traces (otlp.go)
		h.serveOTLP(w, r)
		return
	}
	if r.URL.Path != Path {
		h.fail(w, http.StatusNotFound, "no such endpoint: POST events to "+Path+" or OTLP traces to "+TracesPath)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.fail(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed: POST events")
		return
	}
	if msg := contentTypeError(r.Header); msg != "" {
		h.fail(w, http.StatusUnsupportedMediaType, msg)
		return
	}
	if r.ContentLength > h.maxBody {
		h.tooLarge(w)
		return
	}
	// The whole body is read before any event is emitted, so a batch that
	// turns out too large loads nothing, rather than some unknown prefix.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			h.tooLarge(w)
			return
		}
		h.fail(w, http.StatusBadRequest, "reading the body: "+err.Error())
		return
	}
	res := Result{Errors: []LineError{}}
	q, counts := h.sink.(Queuer)
	decode(body, h.now(), func(e flow.Event) {
		res.Accepted++
		if !counts {
			h.sink.Emit(e)
			res.Queued++
		} else if q.Queue(e) {
			res.Queued++
		} else {
			res.Dropped++
		}
	}, func(le LineError) {
		res.Rejected++
		if len(res.Errors) < maxErrors {
			res.Errors = append(res.Errors, le)
		}
	})
	h.accepted.Add(uint64(res.Accepted))
	h.queued.Add(uint64(res.Queued))
	h.dropped.Add(uint64(res.Dropped))
	h.rejected.Add(uint64(res.Rejected))
	// All lines bad is an error for the client (apnsmock.IngestSink counts
	// a non-2xx batch as undelivered); some good lines are a success with
	// the bad ones listed. Dropped lines are a success too: they were valid,
	// the screen fell behind, and the answer and the screen's header say so.
	status := http.StatusOK
	if res.Accepted == 0 && res.Rejected > 0 {
		status = http.StatusBadRequest
	}
	writeJSON(w, status, res)
}

func (h *Handler) authorized(r *http.Request) bool {
	if !h.hasTok {
		return true
	}
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(tok)))
	return subtle.ConstantTimeCompare(got[:], h.token[:]) == 1
}

// contentTypeError accepts NDJSON under its common names, in UTF-8 and
// uncompressed; it returns why a request is refused, or "".
func contentTypeError(hd http.Header) string {
	const want = "want Content-Type: application/x-ndjson"
	ct := hd.Get("Content-Type")
	if ct == "" {
		return "missing Content-Type: " + want
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Sprintf("Content-Type %q: %v; %s", clip(ct), err, want)
	}
	switch mt {
	case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines":
	default:
		return fmt.Sprintf("Content-Type %s: %s (one JSON event per line)", mt, want)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return "charset " + clip(cs) + ": events are UTF-8"
	}
	if ce := hd.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		return "Content-Encoding " + clip(ce) + ": send the body uncompressed"
	}
	return ""
}

func (h *Handler) tooLarge(w http.ResponseWriter) {
	h.fail(w, http.StatusRequestEntityTooLarge,
		"body over "+strconv.FormatInt(h.maxBody, 10)+" bytes: send smaller batches")
}

func (h *Handler) fail(w http.ResponseWriter, status int, msg string) {
	h.refused.Add(1)
	writeJSON(w, status, struct {
		Error string `json:"error"`
	}{msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // a client reads "<token>", not "\u003ctoken\u003e"
	_ = enc.Encode(v)
}
