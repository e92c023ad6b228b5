package apnsmock

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
)

// TestIngestSink: events arrive as redacted JSON lines with the bearer token;
// a failing endpoint is reported on Close.
func TestIngestSink(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		wantErr bool
	}{{"accepted", 204, false}, {"refused", 500, true}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := make(chan flow.Event, 16)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Content-Type") != "application/x-ndjson" || r.Header.Get("Authorization") != "Bearer s3cret" {
					t.Errorf("headers %v", r.Header)
				}
				sc := bufio.NewScanner(r.Body)
				for sc.Scan() {
					var e flow.Event
					if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
						t.Errorf("line %q: %v", sc.Text(), err)
					}
					got <- e
				}
				w.WriteHeader(tc.status)
			}))
			defer srv.Close()
			s, err := NewIngestSink(srv.URL, "s3cret")
			if err != nil {
				t.Fatal(err)
			}
			s.Emit(flow.Event{ApnsID: "a", Stage: flow.StageAPNs, Name: "received", Time: time.Now(),
				Attrs: map[string]string{"authorization": "bearer eyJhbGciOi.eyJpc3MiOiJU.c2lnbmF0dXJlc2lnbmF0dXJl"}})
			if err := s.Close(); (err != nil) != tc.wantErr {
				t.Errorf("Close: %v, want error %v", err, tc.wantErr)
			}
			e := <-got
			if e.ApnsID != "a" || e.Attrs["authorization"] != flow.Redacted {
				t.Errorf("got %+v, want apns-id a with the authorization redacted", e)
			}
		})
	}
	if _, err := NewIngestSink("ftp://x", ""); err == nil {
		t.Error("ftp URL accepted")
	}
}

// TestIngestSinkAccountsForEveryEvent: each event given to Emit ends up
// counted as posted (and, of those, dropped by the screen behind the
// endpoint), dropped here, failed or rejected; Close fails, naming each
// cause, whenever any was not delivered.
func TestIngestSinkAccountsForEveryEvent(t *testing.T) {
	// The sink batches what is queued when it posts, so the same events may
	// go in one batch or several: the endpoint answers for each batch from
	// what is in it, n lines of which m are the events marked to be dropped
	// or rejected, and the totals do not depend on how they were split.
	for _, tc := range []struct {
		name     string
		status   int
		answer   func(n, m int) string // the endpoint's body for a batch
		events   int
		marked   int // the last marked events are the ones dropped or rejected
		want     IngestStats
		errHas   []string // in Close's error; nil: no error
		blockFor int      // events emitted while the endpoint holds the first batch
	}{
		{name: "no body", status: 204, events: 3, want: IngestStats{Posted: 3}},
		{name: "all queued", status: 200, events: 3, answer: func(n, _ int) string {
			return fmt.Sprintf(`{"accepted":%d,"queued":%d,"dropped":0,"rejected":0,"errors":[]}`, n, n)
		}, want: IngestStats{Posted: 3}},
		{name: "the screen dropped some", status: 200, events: 3, marked: 2, answer: func(n, m int) string {
			return fmt.Sprintf(`{"accepted":%d,"queued":%d,"dropped":%d,"rejected":0,"errors":[]}`, n, n-m, m)
		}, want: IngestStats{Posted: 3, ScreenDropped: 2}},
		{name: "bad lines rejected in a 200", status: 200, events: 3, marked: 1, answer: func(n, m int) string {
			return fmt.Sprintf(`{"accepted":%d,"rejected":%d,"errors":[{"line":3,"error":"x"}]}`, n-m, m)
		}, want: IngestStats{Posted: 2, Rejected: 1}, errHas: []string{"1 of 3 events not delivered", "1 rejected"}},
		{name: "older endpoint: accepted only", status: 200, events: 3, marked: 2, answer: func(n, m int) string {
			return fmt.Sprintf(`{"accepted":%d}`, n-m)
		}, want: IngestStats{Posted: 1, Rejected: 2}, errHas: []string{"2 rejected"}},
		{name: "refused", status: 500, events: 3, answer: func(int, int) string { return `{"error":"x"}` },
			want: IngestStats{Failed: 3}, errHas: []string{"3 of 3 events not delivered", "500"}},
		{name: "queue full", status: 204, events: 1, blockFor: ingestQueue + 10,
			want: IngestStats{Posted: 1 + ingestQueue, Dropped: 10}, errHas: []string{"10 of 4,107 events not delivered", "10 dropped here", "4,096-event queue"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first, release := make(chan struct{}), make(chan struct{})
			var once sync.Once
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				if tc.blockFor > 0 {
					once.Do(func() { close(first); <-release })
				}
				w.WriteHeader(tc.status)
				if tc.answer != nil {
					n := bytes.Count(body, []byte("\n"))
					io.WriteString(w, tc.answer(n, bytes.Count(body, []byte(`"name":"marked"`))))
				}
			}))
			defer srv.Close()
			s, err := NewIngestSink(srv.URL, "")
			if err != nil {
				t.Fatal(err)
			}
			ev := flow.Event{TraceID: "0af7651916cd43dd8448eb211c80319c", Stage: flow.StageAPNs, Name: "received", Time: time.Now()}
			for i := range tc.events {
				e := ev
				if i >= tc.events-tc.marked {
					e.Name = "marked"
				}
				s.Emit(e)
			}
			if tc.blockFor > 0 {
				select { // the sender holds the first batch: the queue is empty
				case <-first:
				case <-time.After(5 * time.Second):
					t.Fatal("the first batch never arrived")
				}
				for range tc.blockFor {
					s.Emit(ev)
				}
				close(release)
			}
			err = s.Close()
			if got := s.Stats(); got != tc.want {
				t.Errorf("stats %+v, want %+v", got, tc.want)
			}
			if tc.errHas == nil {
				if err != nil {
					t.Fatalf("Close: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Close: nil, want an error with %q", tc.errHas)
			}
			for _, h := range tc.errHas {
				if !strings.Contains(err.Error(), h) {
					t.Errorf("Close: %v, want %q", err, h)
				}
			}
		})
	}
}
