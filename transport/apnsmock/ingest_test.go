package apnsmock

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
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
