// Package devicelink is the persistent connection between the mock APNs and a
// simulated iPhone, as an iPhone keeps one TLS connection to APNs and
// receives every push over it. It is a real socket (TCP, TLS 1.3, the mock's
// CA), so the APNs → Extension hop is measured across a real boundary, and a
// device can run as its own process (callscope device).
//
// The wire format is small and documented in docs/device-link.md: each frame
// is a 4-byte big-endian length and that many bytes of one JSON object. The
// server half (Listen) is what the mock runs; the client half (Dial, Start) is
// the device's, and reconnects with backoff.
//
// It imports flow (the push) and nothing of the mock or the device.
package devicelink

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/callscope/callscope/flow"
)

// Protocol is the ALPN name both halves insist on: a client of another
// protocol (an HTTP/2 provider dialling the wrong port) fails the handshake.
const Protocol = "callscope-devicelink/1"

// MaxFrame bounds one frame's JSON. The largest push APNs accepts is 5 KB
// (VoIP); base64 and the headers fit many times over.
const MaxFrame = 64 << 10

// Frame types.
const (
	TypeHello   = "hello"   // device → APNs, first: who the device is
	TypeWelcome = "welcome" // APNs → device: linked; stored pushes follow
	TypeRefused = "refused" // APNs → device: not linked, and why; then the link closes
	TypePush    = "push"    // APNs → device: one notification
	TypeAck     = "ack"     // device → APNs: the push with this seq was received
)

// Frame is one message on the link. Which fields are set depends on Type;
// Read checks the ones each type needs.
type Frame struct {
	Type string `json:"type"`

	// hello
	Version     int      `json:"version,omitempty"`
	Token       string   `json:"token,omitempty"`       // hex, as the app got it from didRegisterForRemoteNotifications
	Topics      []string `json:"topics,omitempty"`      // the bundle ids that registered this token
	Environment string   `json:"environment,omitempty"` // hello: the device's aps-environment; welcome: the server's
	Device      string   `json:"device,omitempty"`      // a name for logs ("iPhone")

	// welcome
	Stored int `json:"stored,omitempty"` // pushes APNs held for the device, sent next

	// refused
	Reason string `json:"reason,omitempty"`

	// push and ack
	Seq uint64 `json:"seq,omitempty"`

	// push: the notification as APNs accepted it
	ApnsID     string    `json:"apns_id,omitempty"`
	Topic      string    `json:"topic,omitempty"`
	PushType   string    `json:"push_type,omitempty"`
	Priority   int       `json:"priority,omitempty"`
	Expiration *int64    `json:"expiration,omitempty"` // UNIX seconds; absent: none given; 0: deliver once or drop
	CollapseID string    `json:"collapse_id,omitempty"`
	TraceID    string    `json:"trace_id,omitempty"`
	Payload    []byte    `json:"payload,omitempty"` // base64 in JSON: the bytes APNs received, unchanged
	Accepted   time.Time `json:"accepted,omitzero"` // when APNs answered 200
	Sent       time.Time `json:"sent,omitzero"`     // when APNs wrote this frame to the link
	// Forward is what the mock's store-and-forward faults did to the push
	// (docs/mock-apns.md): a simulated device adds a simulated hold to its
	// clock, so its freshness checks see the delay.
	Forward *flow.Forwarding `json:"forward,omitempty"`
}

// FrameError is a frame that breaks the format: the link is closed on it.
type FrameError struct{ Msg string }

func (e *FrameError) Error() string { return "device link: " + e.Msg }

func frameErr(format string, a ...any) error { return &FrameError{Msg: fmt.Sprintf(format, a...)} }

// Write sends f as one frame.
func Write(w io.Writer, f Frame) error {
	// Encoded straight behind its length in a buffer kept for the next
	// frame: every push crosses here, and Marshal then a copy behind the
	// length was two allocations of the whole frame each time.
	buf := framePool.Get().(*bytes.Buffer)
	defer framePool.Put(buf)
	buf.Reset()
	if err := appendFrame(buf, f); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// appendFrame encodes f as one frame at the end of buf: a batch of frames
// in one buffer leaves in one write (one TLS record, one syscall), the
// same bytes as a Write per frame.
func appendFrame(buf *bytes.Buffer, f Frame) error {
	start := buf.Len()
	buf.Write([]byte{0, 0, 0, 0})
	if err := json.NewEncoder(buf).Encode(f); err != nil {
		buf.Truncate(start)
		return err
	}
	buf.Truncate(buf.Len() - 1) // Encode's newline
	b := buf.Bytes()[start:]
	n := len(b) - 4
	if n > MaxFrame {
		buf.Truncate(start)
		return frameErr("%s frame of %d bytes is over %d", f.Type, n, MaxFrame)
	}
	binary.BigEndian.PutUint32(b, uint32(n))
	return nil
}

// framePool holds frame buffers for Write and Read: json.Unmarshal copies
// what it keeps, so a read frame's bytes can serve the next one.
var framePool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func Read(r io.Reader) (Frame, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return Frame{}, frameErr("truncated length")
		}
		return Frame{}, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n == 0 || n > MaxFrame {
		return Frame{}, frameErr("frame length %d: want 1 to %d", n, MaxFrame)
	}
	buf := framePool.Get().(*bytes.Buffer)
	defer framePool.Put(buf)
	buf.Reset()
	buf.Grow(int(n))
	b := buf.Bytes()[:n]
	if _, err := io.ReadFull(r, b); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return Frame{}, frameErr("truncated frame: %d bytes announced", n)
		}
		return Frame{}, err
	}
	var f Frame
	if decodeFast(b, &f) {
		return f, f.check()
	}
	f = Frame{}
	if err := json.Unmarshal(b, &f); err != nil {
		return Frame{}, frameErr("frame is not a JSON object: %v", err)
	}
	return f, f.check()
}

// check is what each type must carry.
func (f Frame) check() error {
	switch f.Type {
	case TypeHello:
		if f.Version != 1 {
			return frameErr("hello version %d: this side speaks 1", f.Version)
		}
		if !ValidToken(f.Token) {
			return frameErr("hello token %q: want even-length hex", short(f.Token))
		}
	case TypeWelcome:
	case TypeRefused:
		if f.Reason == "" {
			return frameErr("refused without a reason")
		}
	case TypePush:
		switch {
		case f.Seq == 0:
			return frameErr("push without seq")
		case f.ApnsID == "" || f.PushType == "" || f.Topic == "":
			return frameErr("push %d lacks apns_id, push_type or topic", f.Seq)
		case len(f.Payload) == 0:
			return frameErr("push %d has no payload", f.Seq)
		}
	case TypeAck:
		if f.Seq == 0 {
			return frameErr("ack without seq")
		}
	default:
		return frameErr("unknown frame type %q", short(f.Type))
	}
	return nil
}

// PushFrame is p as a push frame with sequence number seq.
func PushFrame(seq uint64, p flow.Push) Frame {
	f := Frame{Type: TypePush, Seq: seq, ApnsID: p.ApnsID, Topic: p.Topic, PushType: p.PushType, Priority: p.Priority,
		CollapseID: p.CollapseID, TraceID: p.TraceID, Payload: p.Payload, Accepted: p.Accepted, Forward: p.Forward}
	if !p.Expiration.IsZero() {
		e := p.Expiration.Unix()
		f.Expiration = &e
	}
	return f
}

// Push is the notification a push frame carries, for a device with token.
func (f Frame) Push(token string) flow.Push {
	p := flow.Push{ApnsID: f.ApnsID, Token: token, Topic: f.Topic, PushType: f.PushType, Priority: f.Priority,
		CollapseID: f.CollapseID, TraceID: f.TraceID, Payload: f.Payload, Accepted: f.Accepted, Forward: f.Forward}
	if f.Expiration != nil {
		p.Expiration = time.Unix(*f.Expiration, 0)
	}
	return p
}

// ValidToken accepts a device token as APNs does: non-empty, even-length hex.
func ValidToken(t string) bool {
	if t == "" || len(t)%2 != 0 || len(t) > 200 {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func short(s string) string {
	if len(s) > 24 {
		return s[:24] + "…"
	}
	return s
}
