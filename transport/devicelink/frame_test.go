package devicelink

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
)

const tok = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"

func raw(json string) []byte {
	b := make([]byte, 4+len(json))
	binary.BigEndian.PutUint32(b, uint32(len(json)))
	copy(b[4:], json)
	return b
}

// TestPushRoundTrip: every field of a push survives the link, payload bytes
// unchanged (even ones that are not JSON), expiration 0 kept apart from none.
func TestPushRoundTrip(t *testing.T) {
	acc := time.Date(2026, 12, 1, 12, 0, 0, 123456789, time.UTC)
	for _, tc := range []struct {
		name string
		exp  time.Time
	}{{"no expiration", time.Time{}}, {"expiration 0", time.Unix(0, 0)}, {"expiration", time.Unix(1_800_000_000, 0)}} {
		t.Run(tc.name, func(t *testing.T) {
			p := flow.Push{ApnsID: "5e9d7d40-bca0-405c-9c3a-000000000001", Token: tok, Topic: "org.example.app",
				PushType: "alert", Priority: 5, Expiration: tc.exp, CollapseID: "c1", TraceID: strings.Repeat("ab", 16),
				Payload: []byte("{\"aps\":{}}\x00\xff"), Accepted: acc}
			var buf bytes.Buffer
			if err := Write(&buf, PushFrame(7, p)); err != nil {
				t.Fatal(err)
			}
			f, err := Read(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if f.Seq != 7 {
				t.Errorf("seq %d", f.Seq)
			}
			got := f.Push(tok)
			if !got.Accepted.Equal(p.Accepted) || !got.Expiration.Equal(p.Expiration) || got.Expiration.IsZero() != p.Expiration.IsZero() {
				t.Errorf("times: %+v, want %+v", got, p)
			}
			got.Accepted, got.Expiration, p.Accepted, p.Expiration = time.Time{}, time.Time{}, time.Time{}, time.Time{}
			if !reflect.DeepEqual(got, p) {
				t.Errorf("got %+v\nwant %+v", got, p)
			}
		})
	}
}

// TestReadRejects: each way a frame can break the format is a FrameError
// naming it; a clean close between frames is io.EOF.
func TestReadRejects(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"eof", nil, "EOF"},
		{"short length", []byte{0, 0}, "truncated length"},
		{"zero length", []byte{0, 0, 0, 0}, "frame length 0"},
		{"huge length", []byte{0xff, 0, 0, 0}, "frame length"},
		{"truncated body", raw(`{"type":"ack","seq":1}`)[:10], "truncated frame"},
		{"not json", raw(`hello`), "not a JSON object"},
		{"unknown type", raw(`{"type":"bogus"}`), `unknown frame type "bogus"`},
		{"hello no version", raw(`{"type":"hello","token":"` + tok + `"}`), "hello version 0"},
		{"hello bad token", raw(`{"type":"hello","version":1,"token":"xyz"}`), "hello token"},
		{"push no seq", raw(`{"type":"push","apns_id":"a","topic":"t","push_type":"alert","payload":"e30="}`), "push without seq"},
		{"push no payload", raw(`{"type":"push","seq":1,"apns_id":"a","topic":"t","push_type":"alert"}`), "no payload"},
		{"push bad base64", raw(`{"type":"push","seq":1,"apns_id":"a","topic":"t","push_type":"alert","payload":"!!"}`), "not a JSON object"},
		{"ack no seq", raw(`{"type":"ack"}`), "ack without seq"},
		{"refused no reason", raw(`{"type":"refused"}`), "refused without a reason"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(bytes.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
			var fe *FrameError
			if tc.name != "eof" && !errors.As(err, &fe) {
				t.Errorf("%T is not a FrameError", err)
			}
			if tc.name == "eof" && err != io.EOF {
				t.Errorf("err %v, want io.EOF", err)
			}
		})
	}
}

// TestWriteTooLarge: a frame over MaxFrame is refused before a byte goes out.
func TestWriteTooLarge(t *testing.T) {
	var buf bytes.Buffer
	p := flow.Push{ApnsID: "a", Topic: "t", PushType: "alert", Payload: make([]byte, MaxFrame)}
	if err := Write(&buf, PushFrame(1, p)); err == nil || buf.Len() != 0 {
		t.Fatalf("err %v, %d bytes written", err, buf.Len())
	}
}

// FuzzRead: no input panics the parser or makes it read past one frame; a
// frame it accepts writes back to one it reads the same.
func FuzzRead(f *testing.F) {
	f.Add(raw(`{"type":"ack","seq":1}`))
	f.Add(raw(`{"type":"hello","version":1,"token":"` + tok + `","topics":["org.example.app"]}`))
	f.Add(raw(`{"type":"push","seq":3,"apns_id":"a","topic":"t","push_type":"alert","payload":"e30=","expiration":0}`))
	f.Add(raw(`{"type":"welcome","stored":2}`))
	f.Add([]byte{0, 0, 0, 1, '{'})
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bytes.NewReader(in)
		fr, err := Read(r)
		if err != nil {
			return
		}
		if used := len(in) - r.Len(); used > 4+MaxFrame {
			t.Fatalf("read %d bytes for one frame", used)
		}
		var buf bytes.Buffer
		if err := Write(&buf, fr); err != nil {
			return // re-encoding may grow past MaxFrame (escapes)
		}
		again, err := Read(&buf)
		if err != nil {
			t.Fatalf("re-read of an accepted frame: %v", err)
		}
		if !reflect.DeepEqual(normal(again), normal(fr)) {
			t.Fatalf("round trip changed the frame:\n%+v\n%+v", fr, again)
		}
	})
}

// normal makes frames comparable: times by instant, empty slices as nil.
func normal(f Frame) Frame {
	f.Accepted, f.Sent = f.Accepted.UTC(), f.Sent.UTC()
	if len(f.Payload) == 0 {
		f.Payload = nil
	}
	if len(f.Topics) == 0 {
		f.Topics = nil
	}
	return f
}
