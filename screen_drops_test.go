package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/callscope/callscope/ui"
)

// TestScreenIngestCountsDrops is issue 10's acceptance test for events:
// a batch posted to the screen's real --ingest endpoint over HTTP, while the
// screen has not yet drawn any of it, comes back with how many events the
// screen queued (its buffer, 4,096) and how many it dropped; the screen's
// header shows the same count as the answer, and so do the exit lines.
func TestScreenIngestCountsDrops(t *testing.T) {
	const token = "acceptance-token-0123"
	for _, tc := range []struct {
		events          int
		queued, dropped int
		header          string // the header's drop warning; "" for none
	}{
		{60000, 4096, 55904, "⚠ 55,904 events dropped"},
		{4097, 4096, 1, "⚠ 1 events dropped"},
		{4096, 4096, 0, ""},
		{10, 10, 0, ""},
	} {
		t.Run(fmt.Sprint(tc.events), func(t *testing.T) {
			srv, outside, err := startScreenIngest("127.0.0.1:0", token)
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			var body strings.Builder
			for i := range tc.events {
				fmt.Fprintf(&body, `{"trace_id":"%032x","stage":"apns","name":"received"}`+"\n", i%50+1)
			}
			req, _ := http.NewRequest("POST", srv.URL(), strings.NewReader(body.String()))
			req.Header.Set("Content-Type", "application/x-ndjson")
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var ans map[string]any
			err = json.NewDecoder(resp.Body).Decode(&ans)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("status %d, answer %v: %v", resp.StatusCode, ans, err)
			}
			for k, want := range map[string]int{"accepted": tc.events, "queued": tc.queued, "dropped": tc.dropped, "rejected": 0} {
				if ans[k] != float64(want) {
					t.Errorf("answer %v: %s = %v, want %d", ans, k, ans[k], want)
				}
			}

			// The screen draws what was queued, then shows the rest as dropped.
			m := ui.NewModel(mockController{}, ui.Options{Observer: true, NoColor: true, Location: time.UTC, Outside: outside})
			outside.Close() // what is in the buffer stays readable
			shown := 0
			var tm tea.Model = m
			tm, _ = tm.Update(tea.WindowSizeMsg{Width: 160, Height: 30})
			for e := range outside.Events() {
				tm, _ = tm.Update(ui.EventMsg{Event: e, Outside: true})
				shown++
			}
			if shown != tc.queued {
				t.Errorf("the screen got %d events, the answer said %d queued", shown, tc.queued)
			}
			head := strings.SplitN(ansi.Strip(tm.View().Content), "\n", 2)[0]
			if tc.header == "" && strings.Contains(head, "dropped") || !strings.Contains(head, tc.header) {
				t.Errorf("header %q, want %q", head, tc.header)
			}

			// The exit lines.
			srv.Close()
			status, drops := srv.Status(), screenDrops(dropSource{"from --ingest", outside})
			if tc.dropped == 0 {
				if strings.Contains(status, "dropped") || drops != "" {
					t.Errorf("no drops, yet exit lines %q, %q", status, drops)
				}
				return
			}
			n := strings.TrimSuffix(strings.TrimPrefix(tc.header, "⚠ "), " events dropped")
			if !strings.Contains(status, n+" of the accepted dropped") || !strings.Contains(drops, n+" events dropped") || !strings.Contains(drops, "--ingest") {
				t.Errorf("exit lines %q, %q: want %s dropped", status, drops, n)
			}
		})
	}
}
