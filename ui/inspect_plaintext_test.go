package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/pipeline"
)

// openNamed opens the selected call's event named name on lane stage, and
// returns the opened text at width w.
func openNamed(t *testing.T, m Model, stage flow.Stage, name string, w int) string {
	t.Helper()
	c, ok := m.selected()
	if !ok {
		t.Fatal("no call selected")
	}
	for i, e := range m.sortedEvents(c.TraceID) {
		if e.Stage == stage && e.Name == name {
			m.setEvent(i)
			m.openEvent()
			return ansi.Strip(strings.Join(m.inspectText(w), "\n"))
		}
	}
	t.Fatalf("no %s %s event", stage, name)
	return ""
}

// TestInspectShowsPlaintext: a call and a message through the real
// pipeline (sender, server, mock APNs, simulated iPhone); enter on the
// extension's decrypted event and on CallKit's report shows what the device
// decrypted, and no key.
func TestInspectShowsPlaintext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := pipeline.New(ctx, pipeline.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	sub := p.Bus().Subscribe(4096)
	defer sub.Close()
	m := newTestModel(&fakeController{})

	for _, tt := range []struct {
		kind  flow.Kind
		lanes []flow.Stage
		names []string
		want  []string
	}{
		{flow.KindCall, []flow.Stage{flow.StageExtension, flow.StageCallKit}, []string{"decrypted", "report-new-incoming-call"},
			[]string{`"type": "call.invite"`, `"handle": "` + p.Compose().From}},
		{flow.KindMessage, []flow.Stage{flow.StageExtension}, []string{"decrypted"},
			[]string{`"type": "message"`, `"text": "See you at 5?"`}},
	} {
		req := p.Compose()
		req.Kind = tt.kind
		c := p.Place(ctx, req)
		if c.Outcome == flow.OutcomeFailed {
			t.Fatalf("%s failed: %v", tt.kind, c.Diag)
		}
		// Every event of the call, waited on with the deadline, not a sleep.
		for got := 0; got < c.Events; {
			select {
			case e := <-sub.Events():
				m = feed(m, e)
				if e.TraceID == c.TraceID {
					got++
				}
			case <-ctx.Done():
				t.Fatalf("%d of %d events", got, c.Events)
			}
		}
		for i, name := range tt.names {
			text := openNamed(t, m, tt.lanes[i], name, 80)
			for _, want := range append([]string{"Decrypted plaintext", `"call_uuid": "` + c.CallID}, tt.want...) {
				if !strings.Contains(text, want) {
					t.Errorf("%s %s opened lacks %q:\n%s", tt.kind, name, want, text)
				}
			}
			if strings.Contains(text, `"pad"`) || strings.Contains(text, "PRIVATE") {
				t.Errorf("%s %s shows padding or a key:\n%s", tt.kind, name, text)
			}
		}
	}
}

// TestInspectPlaintextNotRecorded: a decrypted event from a trace recorded
// without --record-plaintext says where the plaintext went.
func TestInspectPlaintextNotRecorded(t *testing.T) {
	m := feed(newTestModel(&fakeController{}), ringingEvents(traceOf(callUUID(5)), callUUID(5), base)...)
	if text := openNamed(t, m, flow.StageExtension, "decrypted", 80); !strings.Contains(text, "--record-plaintext") {
		t.Fatalf("no word on the plaintext:\n%s", text)
	}
}
