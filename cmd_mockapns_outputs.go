package main

import (
	"errors"
	"fmt"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/trace"
	"github.com/callscope/callscope/transport/apnsmock"
	"github.com/callscope/callscope/ui"
)

// mockOutputs are mock-apns's event outputs besides its screen: the
// headless log, --record and --events-to. Any may be nil.
type mockOutputs struct {
	log    *asyncLog
	record string
	rec    *trace.Recorder
	is     *apnsmock.IngestSink
}

// close flushes and closes the outputs once the mock has stopped. The lines
// are for the exit: what --events-to delivered. The error is what they lost
// (a failed write or close, events not delivered): a run that lost events
// failed, so it reaches stderr and exit status 1.
func (m mockOutputs) close() (lines []string, err error) {
	var errs []error
	if m.log != nil {
		l, err := m.log.Close()
		if l != "" {
			lines = append(lines, l)
		}
		errs = append(errs, err)
	}
	if m.is != nil {
		errs = append(errs, m.is.Close())
		st := m.is.Stats()
		l := fmt.Sprintf("--events-to %s: %s events delivered", m.is.URL(), flow.FormatCount(st.Posted))
		if st.ScreenDropped > 0 {
			l += fmt.Sprintf("; ⚠ the screen there dropped %s of them, not shown (it fell behind)", flow.FormatCount(st.ScreenDropped))
		}
		lines = append(lines, l)
	}
	if m.rec != nil {
		if cerr := m.rec.Close(); cerr != nil {
			errs = append(errs, fmt.Errorf("--record %s: %w", m.record, cerr))
		}
	}
	return lines, errors.Join(errs...)
}

// losses are the outputs' counts the screen's header shows as they grow.
func (m mockOutputs) losses() []ui.Loss {
	var l []ui.Loss
	if m.is != nil {
		l = append(l, ui.Loss{What: "not sent to --events-to", Count: m.is.Undelivered})
	}
	if m.rec != nil {
		l = append(l, ui.Loss{What: "not recorded (--record)", Count: m.rec.Lost})
	}
	return l
}
