package trace

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
)

// benchFile is a trace of realistic lines (the five stages' events, the
// push with its payload on APNs's received event), about 64 MB, written
// once per run.
var benchFile = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "tracebench")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "bench.jsonl")
	rec, err := Create(path)
	if err != nil {
		return "", err
	}
	payload := json.RawMessage(`{"aps":{"alert":{"title":"New message","body":"Open to read"},"mutable-content":1},"vpe":{"v":1,"alg":"hpke-x25519-sha256-chacha20poly1305","kid":"Bt5gdY3tWqk","ct":"` + fmt.Sprintf("%0600d", 7) + `"}}`)
	t0 := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)
	names := []struct {
		stage flow.Stage
		name  string
	}{{flow.StageSender, "sealed"}, {flow.StageServer, "sent"}, {flow.StageAPNs, "received"}, {flow.StageAPNs, "accepted"},
		{flow.StageExtension, "decrypted"}, {flow.StageCallKit, "ringing"}}
	for i := 0; ; i++ {
		n := names[i%len(names)]
		e := flow.Event{Seq: uint64(i), TraceID: fmt.Sprintf("%032x", i/len(names)), CallID: "6F2C1B4E-0000-4000-8000-000000000001",
			ApnsID: "44e6ee23-669f-4847-8f9a-d8af88b19ec6", Stage: n.stage, Name: n.name, Time: t0.Add(time.Duration(i) * time.Millisecond),
			Duration: 1234567, Attrs: map[string]string{"status": "200", "topic": "org.callscope.demo", "payload_bytes": "1108"}}
		if n.name == "received" {
			e.Push = &flow.PushRecord{Method: "POST", Path: "/3/device/d673a653b648e3a1867645a28266d95fc34b7156056cd51c8aa32975885d7d48",
				Headers: map[string]string{"apns-topic": "org.callscope.demo", "apns-push-type": "alert", "apns-priority": "10"}, Payload: payload}
		}
		rec.Emit(e)
		if i%10000 == 0 {
			rec.Flush()
			if st, err := os.Stat(path); err == nil && st.Size() > 64<<20 {
				break
			}
		}
	}
	return path, rec.Close()
})

// cpuTime is this process's user+system CPU time. The benchmarks report
// MB per CPU second beside MB/s: on a machine shared with other work, wall
// time measures the queue for the CPU as much as the loader.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, size int64, cpu0 time.Duration) {
	if d := cpuTime() - cpu0; d > 0 {
		b.ReportMetric(float64(size)*float64(b.N)/1e6/d.Seconds(), "MB/cpu-s")
	}
}

func benchSetup(b *testing.B) (string, int64) {
	path, err := benchFile()
	if err != nil {
		b.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return path, st.Size()
}

// BenchmarkLoad is the loader over the file: MB/s is the figure (≥ 100).
func BenchmarkLoad(b *testing.B) {
	path, size := benchSetup(b)
	b.SetBytes(size)
	b.ReportAllocs()
	cpu0 := cpuTime()
	defer func() { reportCPU(b, size, cpu0) }()
	for b.Loop() {
		r, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			var le *LineError
			if err != nil && !errors.As(err, &le) {
				b.Fatal(err)
			}
			n++
		}
		r.Close()
	}
}

// BenchmarkLoadBaseline is bufio.Scanner + encoding/json over the same
// file, the plain way to read JSON Lines: the loader's ratio against it.
func BenchmarkLoadBaseline(b *testing.B) {
	path, size := benchSetup(b)
	b.SetBytes(size)
	b.ReportAllocs()
	cpu0 := cpuTime()
	defer func() { reportCPU(b, size, cpu0) }()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), maxLine)
		for sc.Scan() {
			var l Line
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				b.Fatal(err)
			}
		}
		f.Close()
	}
}

// BenchmarkRecorderEmit is what a stage pays per event: the queue send.
// BenchmarkRecorderWrite is the writer's cost per event (encode, redact,
// one write(2)).
func BenchmarkRecorderEmit(b *testing.B) {
	rec, err := Create(filepath.Join(b.TempDir(), "e.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	e := event(1)
	for b.Loop() {
		rec.Emit(e)
	}
	b.StopTimer()
	rec.Flush()
	rec.Close()
}

func BenchmarkRecorderWrite(b *testing.B) {
	rec, err := Create(filepath.Join(b.TempDir(), "w.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	e := event(1)
	for b.Loop() {
		rec.WriteLine(Line{Event: e})
	}
	b.StopTimer()
	rec.Close()
}
