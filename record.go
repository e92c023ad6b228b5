package main

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/bus"
	"github.com/callscope/callscope/flow/device"
	flowtrace "github.com/callscope/callscope/flow/trace"
)

// Every trace's header names the callscope that wrote it.
func init() { flowtrace.CallscopeVersion = version }

// recordPlaintextUsage is the --record-plaintext help, one text for every
// live mode that can record decrypted text.
const recordPlaintextUsage = "with --record, keep decrypted text (a message's title and body, what the device lanes decrypted) in the trace; off, it is left out"

// recordUsage is the --record help of the live modes.
const recordUsage = "write every event to FILE as a trace (JSON Lines, gzip if FILE ends in .gz; docs/trace-format.md)"

// addRecordFlags adds --record and --record-plaintext.
func addRecordFlags(f *pflag.FlagSet, path *string, plaintext *bool) {
	f.StringVar(path, "record", "", recordUsage)
	f.BoolVar(plaintext, "record-plaintext", false, recordPlaintextUsage)
}

// liveRecord is --record on a live mode: a recorder following the run's
// subscriptions (or fed as a sink), and what to say when it ends.
type liveRecord struct {
	path string
	rec  *flowtrace.Recorder
	subs []*bus.Subscription
}

// startRecord creates path with h as its header and follows subs.
func startRecord(path string, plaintext bool, h flowtrace.Header, subs ...*bus.Subscription) (*liveRecord, error) {
	h.Plaintext = plaintext
	rec, err := flowtrace.CreateWithHeader(path, h)
	if err != nil {
		return nil, err
	}
	rec.Plaintext = plaintext
	for _, s := range subs {
		rec.Follow(s)
	}
	return &liveRecord{path: path, rec: rec, subs: subs}, nil
}

// finish ends the recording once the run's buses are closed: it closes the
// subscriptions (their buffered events are still written), closes the file
// and returns what the trace lacks as an error, which fails the run (exit 1).
func (l *liveRecord) finish() error {
	if l == nil {
		return nil
	}
	for _, s := range l.subs {
		s.Close()
	}
	l.rec.Wait()
	var dropped uint64
	for _, s := range l.subs {
		dropped += s.Dropped()
	}
	var errs []error
	if dropped > 0 {
		errs = append(errs, fmt.Errorf("--record %s: %s events were dropped because the disk fell behind; the trace marks where", l.path, flow.FormatCount(dropped)))
	}
	if err := l.rec.Close(); err != nil {
		errs = append(errs, fmt.Errorf("--record %s: %w", l.path, err))
	}
	return errors.Join(errs...)
}

// traceDevice is a device profile as a trace header keeps it.
func traceDevice(name string, prof device.Profile) []flowtrace.Device {
	b, err := json.Marshal(prof)
	if err != nil {
		return []flowtrace.Device{{Name: name}}
	}
	return []flowtrace.Device{{Name: name, Profile: b}}
}
