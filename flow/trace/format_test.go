package trace

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
)

func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestHeaderAndGzipRoundTrip: a recorded file starts with the header; a
// .gz path is gzip; both load back with the header and every event.
func TestHeaderAndGzipRoundTrip(t *testing.T) {
	for _, name := range []string{"t.jsonl", "t.jsonl.gz"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), name)
			h := Header{Mode: "send", Environment: "sandbox", Endpoints: map[string]string{"apns": "https://127.0.0.1:1"},
				Devices: []Device{{Name: "callee", Profile: json.RawMessage(`{"ios":"18.2"}`)}}}
			rec, err := CreateWithHeader(path, h)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 100 {
				rec.Emit(event(i))
			}
			if err := rec.Close(); err != nil {
				t.Fatal(err)
			}
			raw, _ := os.ReadFile(path)
			if gz := bytes.HasPrefix(raw, []byte{0x1f, 0x8b}); gz != strings.HasSuffix(name, ".gz") {
				t.Fatalf("gzip magic %v for %s", gz, name)
			}
			r, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			got, err := r.Header()
			if err != nil || got == nil {
				t.Fatalf("Header: %v, %v", got, err)
			}
			if got.Format != Version || got.Callscope != CallscopeVersion || got.Mode != "send" || got.Start.IsZero() ||
				got.Endpoints["apns"] != h.Endpoints["apns"] || len(got.Devices) != 1 || string(got.Devices[0].Profile) != `{"ios":"18.2"}` {
				t.Fatalf("header %+v", got)
			}
			n := 0
			for {
				e, err := r.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if e.Name != event(n).Name {
					t.Fatalf("event %d is %q", n, e.Name)
				}
				n++
			}
			if n != 100 {
				t.Fatalf("%d events", n)
			}
		})
	}
}

// TestGzipByMagicNotName: a gzip trace named .jsonl loads, and a plain one
// named .gz does too: the bytes decide.
func TestGzipByMagicNotName(t *testing.T) {
	line := `{"v":2,"trace_id":"a","stage":"apns","name":"received","time":"2026-12-02T01:00:00Z"}` + "\n"
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	zw.Write([]byte(line))
	zw.Close()
	for name, body := range map[string][]byte{"gz-named.jsonl": zb.Bytes(), "plain.jsonl.gz": []byte(line)} {
		ev, err := Load(writeFile(t, name, body), nil)
		if err != nil || len(ev) != 1 {
			t.Errorf("%s: %d events, %v", name, len(ev), err)
		}
	}
}

// TestUnknownFieldsKept: fields a newer callscope wrote survive a read and
// a rewrite, at the top level and in the header.
func TestUnknownFieldsKept(t *testing.T) {
	in := `{"v":2,"header":{"format":2,"callscope":"x","start":"2026-12-02T01:00:00Z","future_h":[1,2]}}` + "\n" +
		`{"v":2,"trace_id":"a","stage":"apns","name":"received","time":"2026-12-02T01:00:00Z","future":{"k":"v"},"Z\u0061":1}` + "\n"
	r := NewReader("t.jsonl", strings.NewReader(in))
	h, err := r.Header()
	if err != nil || h == nil || string(h.Extra["future_h"]) != "[1,2]" {
		t.Fatalf("header %+v %v", h, err)
	}
	l, err := r.NextLine()
	if err != nil {
		t.Fatal(err)
	}
	if string(l.Extra["future"]) != `{"k":"v"}` || string(l.Extra["Za"]) != "1" || len(l.Extra) != 2 {
		t.Fatalf("extra %v", l.Extra)
	}
	var out bytes.Buffer
	w := NewRecorder(&out)
	if err := w.WriteHeader(*h); err != nil {
		t.Fatal(err)
	}
	w.WriteLine(l)
	r2 := NewReader("copy", &out)
	h2, _ := r2.Header()
	l2, err := r2.NextLine()
	if err != nil || h2 == nil || string(h2.Extra["future_h"]) != "[1,2]" || string(l2.Extra["future"]) != `{"k":"v"}` {
		t.Fatalf("after a rewrite: %+v %+v %v\n%s", h2, l2.Extra, err, out.String())
	}
}

// TestReaderMessages: each kind of input that is not a trace, or only
// partly one, gets one clear message.
func TestReaderMessages(t *testing.T) {
	good := `{"v":2,"trace_id":"a","stage":"apns","name":"received","time":"2026-12-02T01:00:00Z"}` + "\n"
	var full bytes.Buffer
	zw := gzip.NewWriter(&full)
	for range 2000 {
		zw.Write([]byte(good))
	}
	zw.Close()
	cut := full.Bytes()[:full.Len()*2/3]
	newer := strings.Replace(good, `"v":2`, `"v":9`, 1)
	tests := []struct {
		name    string
		body    []byte
		fatal   string // the error that ends the load
		line    string // a reported line, if any
		atLeast int    // events loaded
	}{
		{"empty", nil, "empty, no header and no events", "", 0},
		{"blank", []byte("\n\n"), "empty, no header and no events", "", 0},
		{"binary", []byte("\x7fELF\x02\x01\x01\x00\x00\x00"), "binary data, not a trace", "", 0},
		{"not utf8", bytes.Repeat([]byte{0xff, 0xfe, 0x41}, 100), "binary data", "", 0},
		{"gzip cut short", cut, "the gzip stream ends early", "", 100},
		{"gzip header only", full.Bytes()[:5], "gzip", "", 0},
		{"newer version", []byte(good + newer + good), "", "warning: format version 9 is newer than this callscope reads (2)", 3},
		{"drop marker", []byte(good + `{"v":2,"dropped":7}` + "\n" + good), "", "warning: the recorder dropped 7 events here", 2},
		{"second header", []byte(`{"v":2,"header":{"format":2}}` + "\n" + good + `{"v":2,"header":{"format":2}}` + "\n"), "", "a second header", 1},
		{"header only", []byte(`{"v":2,"header":{"format":2}}` + "\n"), "", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "t.jsonl", tt.body)
			var reported []string
			ev, err := Load(path, func(le *LineError) { reported = append(reported, le.Error()) })
			if tt.fatal == "" && err != nil {
				t.Fatalf("Load: %v", err)
			}
			if tt.fatal != "" && (err == nil || !strings.Contains(err.Error(), tt.fatal) || !strings.HasPrefix(err.Error(), path+": ")) {
				t.Fatalf("Load: %v, want %q naming the file", err, tt.fatal)
			}
			if tt.line != "" && (len(reported) != 1 || !strings.Contains(reported[0], tt.line)) {
				t.Fatalf("reported %q, want one line with %q", reported, tt.line)
			}
			if tt.line == "" && len(reported) > 0 {
				t.Fatalf("reported %q", reported)
			}
			if len(ev) < tt.atLeast {
				t.Fatalf("%d events, want at least %d", len(ev), tt.atLeast)
			}
		})
	}
}

// TestNewerVersionEventStillLoads: the warning comes before the event it
// is about, and the event is not lost.
func TestNewerVersionEventStillLoads(t *testing.T) {
	in := `{"v":3,"trace_id":"a","stage":"apns","name":"received","time":"2026-12-02T01:00:00Z","new":true}` + "\n"
	r := NewReader("t", strings.NewReader(in))
	_, err := r.Next()
	var le *LineError
	if !errors.As(err, &le) || !le.Warning || le.Line != 1 {
		t.Fatalf("first Next: %v, want a warning on line 1", err)
	}
	e, err := r.Next()
	if err != nil || e.Name != "received" {
		t.Fatalf("second Next: %+v %v", e, err)
	}
}

// TestDropMarkerWritten: events the full queue could not take are counted,
// written as a marker line before the next event, and fail Close.
func TestDropMarkerWritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.jsonl")
	rec, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	rec.Emit(event(1))
	rec.Flush()
	rec.drop() // as Emit does on a full queue
	rec.drop()
	rec.Emit(event(2))
	rec.Flush()
	err = rec.Close()
	if err == nil || !strings.Contains(err.Error(), "2 events dropped") {
		t.Fatalf("Close: %v, want the drops", err)
	}
	r, _ := Open(path)
	defer r.Close()
	var names []string
	for {
		e, err := r.Next()
		var le *LineError
		if errors.As(err, &le) {
			names = append(names, "warning:"+le.Reason)
			continue
		}
		if err != nil {
			break
		}
		names = append(names, e.Name)
	}
	if len(names) != 3 || names[0] != "e1" || !strings.Contains(names[1], "dropped 2 events") || names[2] != "e2" {
		t.Fatalf("read %q", names)
	}
	if r.Dropped() != 2 {
		t.Fatalf("Dropped %d", r.Dropped())
	}
}

// TestEmitNeverBlocks: a writer stuck on the disk does not hold up Emit;
// what the queue cannot take is counted.
func TestEmitNeverBlocks(t *testing.T) {
	block := make(chan struct{})
	rec := NewRecorder(blockingWriter{block})
	done := make(chan struct{})
	go func() {
		for i := range QueueSize + 100 {
			rec.Emit(event(i))
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Emit blocked behind a stuck writer")
	}
	if d := rec.Dropped(); d < 99 {
		t.Fatalf("dropped %d, want at least 99", d)
	}
	close(block)
	if err := rec.Close(); err == nil || !strings.Contains(err.Error(), "dropped") {
		t.Fatalf("Close: %v", err)
	}
}

type blockingWriter struct{ c chan struct{} }

func (w blockingWriter) Write(p []byte) (int, error) { <-w.c; return len(p), nil }

// TestPlaintextOnlyWhenAsked: decrypted text is replaced unless the
// recorder was told to keep it (--record-plaintext).
func TestPlaintextOnlyWhenAsked(t *testing.T) {
	e := flow.Event{TraceID: "a", Stage: flow.StageExtension, Name: flow.NameShown, Attrs: map[string]string{"title": "Alice", "body": "meet at 5"}}
	for _, keep := range []bool{false, true} {
		var buf bytes.Buffer
		rec := NewRecorder(&buf)
		rec.Plaintext = keep
		rec.Emit(e)
		rec.Close()
		has := strings.Contains(buf.String(), "meet at 5")
		if has != keep {
			t.Errorf("Plaintext=%v: plaintext in trace %v: %s", keep, has, buf.String())
		}
		if !keep && !strings.Contains(buf.String(), flow.PlaintextOmitted) {
			t.Errorf("no placeholder: %s", buf.String())
		}
	}
}
