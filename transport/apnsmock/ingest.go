package apnsmock

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callscope/callscope/flow"
)

// IngestSink sends events to a callscope ingest endpoint: POST bodies of JSON
// lines (application/x-ndjson), one flow.Event per line, redacted, batched.
// Emit never blocks: when the endpoint falls behind, events are dropped and
// counted. Every event is accounted for (IngestStats), and Close fails when
// any was not delivered. The wire format is in docs/ingest.md.
type IngestSink struct {
	url    string
	token  string
	client *http.Client
	ch     chan flow.Event
	done   chan struct{}
	once   sync.Once

	posted, dropped, failed, rejected, screenDropped atomic.Uint64

	errMu   sync.Mutex
	lastErr error
}

// ingestQueue is how many events wait for the endpoint before Emit drops.
const ingestQueue = 4096

// IngestStats say what became of the events given to Emit.
type IngestStats struct {
	// Posted the endpoint accepted. Of them, ScreenDropped the screen
	// behind it could not queue (its answer's "dropped"): the screen
	// counts those in its header.
	Posted, ScreenDropped uint64
	// Not delivered: Dropped here (the endpoint fell behind and the queue
	// was full), Failed in batches it refused or never answered, Rejected
	// as bad lines.
	Dropped, Failed, Rejected uint64
}

// Undelivered is every event the endpoint did not accept.
func (st IngestStats) Undelivered() uint64 { return st.Dropped + st.Failed + st.Rejected }

// Stats returns the counts so far.
func (s *IngestSink) Stats() IngestStats {
	return IngestStats{Posted: s.posted.Load(), ScreenDropped: s.screenDropped.Load(),
		Dropped: s.dropped.Load(), Failed: s.failed.Load(), Rejected: s.rejected.Load()}
}

// Undelivered is how many events the endpoint did not accept so far.
func (s *IngestSink) Undelivered() uint64 { return s.Stats().Undelivered() }

// URL is the endpoint.
func (s *IngestSink) URL() string { return s.url }

// NewIngestSink checks the URL and starts the sender. token, when set, goes
// in an Authorization: Bearer header (an exposed ingest endpoint wants one).
func NewIngestSink(rawURL, token string) (*IngestSink, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q: want an http:// or https:// URL", rawURL)
	}
	s := &IngestSink{url: rawURL, token: token, client: &http.Client{Timeout: 5 * time.Second},
		ch: make(chan flow.Event, ingestQueue), done: make(chan struct{})}
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

// Close sends what is queued and stops. It fails when any event was not
// delivered, saying how many and why: a run that lost events failed.
func (s *IngestSink) Close() error {
	s.once.Do(func() { close(s.ch) })
	<-s.done
	st := s.Stats()
	if st.Undelivered() == 0 {
		return nil
	}
	var why []string
	if st.Dropped > 0 {
		why = append(why, fmt.Sprintf("%s dropped here: the endpoint fell behind and the %s-event queue was full",
			flow.FormatCount(st.Dropped), flow.FormatCount(ingestQueue)))
	}
	if st.Failed > 0 {
		s.errMu.Lock()
		why = append(why, fmt.Sprintf("%s in batches that failed (last error: %v)", flow.FormatCount(st.Failed), s.lastErr))
		s.errMu.Unlock()
	}
	if st.Rejected > 0 {
		why = append(why, flow.FormatCount(st.Rejected)+" rejected by the endpoint as bad lines")
	}
	return fmt.Errorf("--events-to %s: %s of %s events not delivered: %s", s.url, flow.FormatCount(st.Undelivered()),
		flow.FormatCount(st.Undelivered()+st.Posted), strings.Join(why, "; "))
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
		ans, err := s.post(buf.Bytes())
		if err != nil {
			s.failed.Add(uint64(n))
			s.errMu.Lock()
			s.lastErr = err
			s.errMu.Unlock()
			continue
		}
		s.account(n, ans)
	}
}

// ingestAnswer is the part of the endpoint's answer the sink counts by.
// Pointers: an endpoint that does not send a count (an older callscope, a
// team's own) is taken to have accepted the whole batch.
type ingestAnswer struct {
	Accepted *int `json:"accepted"`
	Dropped  *int `json:"dropped"`
	Rejected *int `json:"rejected"`
}

// account counts a batch of n events the endpoint answered 2xx.
func (s *IngestSink) account(n int, a ingestAnswer) {
	rejected := 0
	if a.Rejected != nil {
		rejected = min(max(*a.Rejected, 0), n)
	} else if a.Accepted != nil {
		rejected = min(max(n-*a.Accepted, 0), n)
	}
	s.rejected.Add(uint64(rejected))
	s.posted.Add(uint64(n - rejected))
	if a.Dropped != nil && *a.Dropped > 0 {
		s.screenDropped.Add(uint64(min(*a.Dropped, n-rejected)))
	}
}

func (s *IngestSink) post(body []byte) (ingestAnswer, error) {
	var ans ingestAnswer
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return ans, err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return ans, err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return ans, fmt.Errorf("ingest answered %s", resp.Status)
	}
	// An answer that is not callscope's JSON leaves the counts unset.
	_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&ans)
	return ans, nil
}
