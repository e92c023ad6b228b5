package bench

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/crypto/keyring"
	"github.com/callscope/callscope/crypto/scheme"
	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/trace"
)

// countingWriter counts what reaches the file, so generation stops at the
// size asked for.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// traceEvents is one call as callscope records it: the five stages'
// events, the push with its sealed payload on the APNs stage's receipt and
// the device's arrival; every twentieth call fails at the extension with a
// diagnosis, as a run with a fault would.
func traceEvents(call int, t0 time.Time, payload json.RawMessage) []flow.Event {
	traceID := fmt.Sprintf("%032x", uint64(call)*0x9e3779b97f4a7c15)
	callID := fmt.Sprintf("%08X-%04X-4%03X-8%03X-%012X", call, call&0xffff, call&0xfff, (call>>12)&0xfff, call)
	apnsID := fmt.Sprintf("%08x-%04x-4%03x-9%03x-%012x", call*7, call&0xffff, call&0xfff, (call>>3)&0xfff, call*13)
	at := t0.Add(time.Duration(call) * 3 * time.Millisecond)
	ev := func(i int, stage flow.Stage, name string, d time.Duration, attrs map[string]string) flow.Event {
		return flow.Event{Seq: uint64(call*8 + i), TraceID: traceID, CallID: callID, ApnsID: apnsID, Stage: stage, Name: name,
			Time: at.Add(time.Duration(i) * 170 * time.Microsecond), Duration: d, Attrs: attrs}
	}
	push := &flow.PushRecord{Method: "POST", Path: "/3/device/d673a653b648e3a1867645a28266d95fc34b7156056cd51c8aa32975885d7d48",
		Headers: map[string]string{"apns-topic": "org.callscope.demo", "apns-push-type": "alert", "apns-priority": "10",
			"apns-expiration": "0", "authorization": "bearer eyJhbGciOiJFUzI1NiIsImtpZCI6IkFCQzEyM0RFRkcifQ.eyJpc3MiOiJERUYxMjNHSElKIiwiaWF0IjoxNzY0NjM2NDAwfQ.<signature redacted>"},
		Payload: payload, Status: 200, ApnsID: apnsID}
	evs := []flow.Event{
		ev(0, flow.StageSender, "sealed", 143*time.Microsecond, map[string]string{"alg": scheme.Default, "payload_bytes": fmt.Sprint(len(payload)), "padded": "true"}),
		ev(1, flow.StageServer, "sent", 612*time.Microsecond, map[string]string{"status": "200", "topic": "org.callscope.demo"}),
		ev(2, flow.StageAPNs, "received", 88*time.Microsecond, map[string]string{"push_type": "alert", "priority": "10"}),
		ev(3, flow.StageAPNs, "accepted", 21*time.Microsecond, map[string]string{"status": "200"}),
	}
	evs[2].Push = push
	if call%20 == 19 {
		last := ev(4, flow.StageExtension, "failed", 96*time.Microsecond, map[string]string{"code": "E_AUTH"})
		last.Outcome = flow.OutcomeFailed
		last.Diagnosis = &flow.Diagnosis{Stage: flow.StageExtension, Code: "DECRYPT_FAILED",
			Detail: "E_AUTH: authentication failed (tampered ciphertext or wrong key)",
			Hint:   "the ciphertext changed on the way or was sealed for another key (docs/receiver-checks.md)"}
		return append(evs, last)
	}
	arrived := ev(4, flow.StageExtension, "received", 0, map[string]string{"mutable_content": "1"})
	arrived.Push = &flow.PushRecord{Payload: payload}
	return append(evs, arrived,
		ev(5, flow.StageExtension, "decrypted", 131*time.Microsecond, map[string]string{"checks": "12", "signer": "unsigned"}),
		ev(6, flow.StageCallKit, "reported", 0, map[string]string{"handle": "alice@example.org"}),
		func() flow.Event {
			e := ev(7, flow.StageCallKit, flow.NameRinging, 0, nil)
			e.Instant, e.Outcome = true, flow.OutcomeConnected
			return e
		}())
}

// writeTrace writes a trace of at least size bytes (or events events, when
// events > 0) with flow/trace's writer, as `callscope send --record`
// would, and returns its path, size and event count.
func writeTrace(ctx context.Context, dir string, size int64, events int, progress func(float64)) (string, int64, int, error) {
	key, err := keyring.Generate(scheme.Default, rand.Reader)
	if err != nil {
		return "", 0, 0, err
	}
	env, err := envelope.SealWith(rand.Reader, envelope.Recipient{Scheme: scheme.Default, PublicKey: key.Public(), DeviceToken: make([]byte, 32)},
		invitePlaintext(), envelope.SealOptions{})
	if err != nil {
		return "", 0, 0, err
	}
	payload := envelope.MarshalPayload(env)
	path := filepath.Join(dir, "bench.jsonl")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", 0, 0, err
	}
	defer f.Close()
	cw := &countingWriter{w: f}
	bw := bufio.NewWriterSize(cw, 1<<20)
	rec := trace.NewRecorder(bw)
	if err := rec.WriteHeader(trace.Header{Mode: "send", Start: time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)}); err != nil {
		return "", 0, 0, err
	}
	t0 := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)
	n := 0
	for call := 0; ; call++ {
		if call%256 == 0 {
			if err := ctx.Err(); err != nil {
				return "", 0, 0, err
			}
			if progress != nil {
				if events > 0 {
					progress(float64(n) / float64(events))
				} else {
					progress(float64(cw.n) / float64(size))
				}
			}
		}
		if events > 0 && n >= events || events <= 0 && cw.n+int64(bw.Buffered()) >= size {
			break
		}
		for _, e := range traceEvents(call, t0, payload) {
			if events > 0 && n >= events {
				break
			}
			rec.WriteLine(trace.Line{Event: e})
			n++
		}
	}
	if err := rec.Close(); err != nil { // reports a write that failed
		return "", 0, 0, err
	}
	if err := bw.Flush(); err != nil {
		return "", 0, 0, err
	}
	if err := f.Close(); err != nil {
		return "", 0, 0, err
	}
	return path, cw.n, n, nil
}
