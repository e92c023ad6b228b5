package trace

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/bus"
)

func event(i int) flow.Event {
	return flow.Event{TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", Stage: flow.StageAPNs, Name: fmt.Sprintf("e%d", i),
		Time: time.Unix(1700000000, 0).UTC(), Duration: time.Duration(i) * time.Millisecond,
		Attrs: map[string]string{"apns-id": "A", "n": fmt.Sprint(i)}}
}

// lines reads a trace file as it is now, each line decoded.
func lines(t *testing.T, path string) []Line {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 0 && b[len(b)-1] != '\n' {
		t.Fatalf("the file ends in a partial line: %q", b)
	}
	var out []Line
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var l Line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("line %d is not JSON: %v: %s", len(out)+1, err, sc.Bytes())
		}
		if l.Header != nil {
			continue
		}
		out = append(out, l)
	}
	return out
}

// TestRecorderFlushesPerEvent: each event is one complete JSON line on disk
// as soon as Emit returns, so another process can read the trace while the
// run goes on (and after a crash).
func TestRecorderFlushesPerEvent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.jsonl")
	r, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for i := 1; i <= 3; i++ {
		r.Emit(event(i))
		r.Flush()
		got := lines(t, path) // read beside the open recorder
		if len(got) != i {
			t.Fatalf("after %d events the file has %d lines", i, len(got))
		}
		l := got[i-1]
		if l.V != Version || l.Name != fmt.Sprintf("e%d", i) || l.Stage != flow.StageAPNs ||
			l.Duration != time.Duration(i)*time.Millisecond || l.Attrs["n"] != fmt.Sprint(i) {
			t.Fatalf("line %d: %+v", i, l)
		}
	}
	if r.Written() != 3 {
		t.Fatalf("Written %d", r.Written())
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRecorderFileMode(t *testing.T) {
	dir := t.TempDir()
	fresh := filepath.Join(dir, "new.jsonl")
	old := filepath.Join(dir, "old.jsonl")
	if err := os.WriteFile(old, []byte("stale\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{fresh, old} {
		r, err := Create(path)
		if err != nil {
			t.Fatal(err)
		}
		r.Emit(event(1))
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if m := fi.Mode().Perm(); m != 0o600 {
			t.Errorf("%s: mode %o, want 600: traces hold device tokens", filepath.Base(path), m)
		}
		if got := lines(t, path); len(got) != 1 {
			t.Errorf("%s: %d lines, want the old content truncated", filepath.Base(path), len(got))
		}
	}
	if _, err := Create(filepath.Join(dir, "no", "such", "dir.jsonl")); err == nil || !strings.Contains(err.Error(), "--record") {
		t.Fatalf("uncreatable path: %v", err)
	}
}

func TestRecorderRedacts(t *testing.T) {
	const jwt = "eyJhbGciOiJFUzI1NiIsImtpZCI6IkFCQyJ9.eyJpc3MiOiJURUFNIiwiaWF0IjoxfQ.MEUCIQDabcdefghijklmnopqrstuvwxyz0123456789"
	const pem = "-----BEGIN PRIVATE KEY-----\nMIGTAgEAMBMGByqGSM49AgEGCCqGSM49\n-----END PRIVATE KEY-----"
	e := event(1)
	e.Attrs = map[string]string{"authorization": "bearer " + jwt, "header": "bearer " + jwt, "p8": "x", "kept": "ok"}
	e.Diagnosis = &flow.Diagnosis{Stage: flow.StageServer, Code: flow.CodeServerFailed, Detail: "loaded " + pem}
	var buf bytes.Buffer
	r := NewRecorder(&buf)
	r.Emit(e)
	r.Flush()
	out := buf.String()
	for _, secret := range []string{jwt, "MIGTAgEAMBMGByqGSM49", `"p8":"x"`} {
		if strings.Contains(out, secret) {
			t.Errorf("secret %q reached the trace: %s", secret, out)
		}
	}
	if !strings.Contains(out, `"kept":"ok"`) || !strings.Contains(out, flow.Redacted) {
		t.Errorf("redaction lost other data: %s", out)
	}
	if e.Attrs["authorization"] != "bearer "+jwt {
		t.Error("Emit changed the caller's event")
	}
}

// TestRecorderFollow records a bus subscription until it closes.
func TestRecorderFollow(t *testing.T) {
	var buf syncBuffer
	r := NewRecorder(&buf)
	b := bus.New()
	r.Follow(b.Subscribe(1024))
	for i := range 50 {
		b.Emit(event(i))
	}
	b.Close()
	r.Wait()
	if r.Written() != 50 || strings.Count(buf.String(), "\n") != 50 {
		t.Fatalf("recorded %d events, %d lines", r.Written(), strings.Count(buf.String(), "\n"))
	}
}

// TestRecorderConcurrentEmits: lines never interleave.
func TestRecorderConcurrentEmits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.jsonl")
	r, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				r.Emit(event(g*1000 + i))
			}
		}()
	}
	wg.Wait()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if got := lines(t, path); len(got) != 800 {
		t.Fatalf("%d lines, want 800", len(got))
	}
}

// TestRecorderWriteError: the first write error stops recording; every
// event from it on is counted as lost, and Close reports the error and the
// count.
func TestRecorderWriteError(t *testing.T) {
	for _, tc := range []struct {
		after, emits int
		lost         uint64
	}{{2, 5, 3}, {0, 1, 1}, {0, 1200, 1200}, {3, 3, 0}} {
		t.Run(fmt.Sprint(tc.after, "/", tc.emits), func(t *testing.T) {
			w := &failWriter{after: tc.after}
			r := NewRecorder(w)
			for i := range tc.emits {
				r.Emit(event(i))
			}
			r.Flush()
			if want := min(tc.after, tc.emits); r.Written() != want || w.writes != min(tc.after+1, tc.emits) {
				t.Fatalf("written %d, %d write calls; want %d and nothing after the failure", r.Written(), w.writes, want)
			}
			if r.Lost() != tc.lost {
				t.Errorf("lost %d, want %d", r.Lost(), tc.lost)
			}
			err := r.Close()
			if tc.lost == 0 {
				if err != nil {
					t.Fatalf("Close: %v", err)
				}
				return
			}
			if !errors.Is(err, errDiskFull) || !strings.Contains(err.Error(), flow.FormatCount(tc.lost)+" events not recorded") {
				t.Fatalf("Close: %v, want the disk error and %d events not recorded", err, tc.lost)
			}
		})
	}
}

// TestRecorderCloseError: a file that fails to close (NFS, a full disk
// flushing late) is reported, not discarded.
func TestRecorderCloseError(t *testing.T) {
	r, err := Create(filepath.Join(t.TempDir(), "t.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	r.Emit(event(1))
	r.Flush()
	r.f.Close() // the next Close fails as a failing file system's would
	if err := r.Close(); err == nil {
		t.Fatal("Close: nil, want the file's close error")
	}
}

var errDiskFull = errors.New("disk full")

type failWriter struct{ after, writes int }

func (w *failWriter) Write(p []byte) (int, error) {
	w.writes++
	if w.writes > w.after {
		return 0, errDiskFull
	}
	return len(p), nil
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
