package apnsmock

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callscope/callscope/flow"
)

// IngestSink sends events to a callscope ingest endpoint: POST bodies of JSON
// lines (application/x-ndjson), one flow.Event per line, redacted, batched.
// Emit never blocks: when the endpoint falls behind, events are dropped and
// counted. The wire format is in docs/mock-apns.md.
type IngestSink struct {
	url    string
	token  string
	client *http.Client
	ch     chan flow.Event
	done   chan struct{}
	once   sync.Once

	dropped atomic.Int64
	failed  atomic.Int64
	errMu   sync.Mutex
	lastErr error
}

// NewIngestSink checks the URL and starts the sender. token, when set, goes
// in an Authorization: Bearer header (an exposed ingest endpoint wants one).
func NewIngestSink(rawURL, token string) (*IngestSink, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q: want an http:// or https:// URL", rawURL)
	}
	s := &IngestSink{url: rawURL, token: token, client: &http.Client{Timeout: 5 * time.Second},
		ch: make(chan flow.Event, 4096), done: make(chan struct{})}
	go s.run()
	return s, nil
}

// Emit queues e.
func (s *IngestSink) Emit(e flow.Event) {
	select {
	case s.ch <- flow.Redact(e.Clone()):
	default:
		s.dropped.Add(1)
	}
}

// Close sends what is queued and stops.
func (s *IngestSink) Close() error {
	s.once.Do(func() { close(s.ch) })
	<-s.done
	s.errMu.Lock()
	defer s.errMu.Unlock()
	if n := s.failed.Load() + s.dropped.Load(); n > 0 {
		return fmt.Errorf("--events-to %s: %d events not delivered (last error: %v)", s.url, n, s.lastErr)
	}
	return nil
}

func (s *IngestSink) run() {
	defer close(s.done)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for e := range s.ch {
		buf.Reset()
		n := 0
		for {
			_ = enc.Encode(e)
			n++
			if n == 256 {
				break
			}
			var ok bool
			select {
			case e, ok = <-s.ch:
			default:
			}
			if !ok {
				break
			}
		}
		if err := s.post(buf.Bytes()); err != nil {
			s.failed.Add(int64(n))
			s.errMu.Lock()
			s.lastErr = err
			s.errMu.Unlock()
		}
	}
}

func (s *IngestSink) post(body []byte) error {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("ingest answered %s", resp.Status)
	}
	return nil
}
