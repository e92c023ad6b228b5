package apnsmock

import (
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http2"
)

// Faults are APNs misbehaviours to inject. The zero value injects none.
// Request faults apply after validation (docs/apns-rules.md#check-order, steps 9 and 10), so a
// broken push still gets its own reason.
type Faults struct {
	Latency time.Duration // added before every answer
	// TooManyRequests is how many pushes one device token may take per
	// second; beyond it APNs answers 429 TooManyRequests. Zero: no limit.
	TooManyRequests int
	// InternalErrorEvery answers every Nth valid push 500
	// InternalServerError (1: all). UnavailableEvery does so with 503
	// ServiceUnavailable.
	InternalErrorEvery int
	UnavailableEvery   int
	// Shutdown answers 503 Shutdown and closes the connection with GOAWAY
	// {"reason":"Shutdown"}, as APNs does during maintenance.
	Shutdown bool
	// Stall holds every push unanswered for Config.IdleTimeout, then answers
	// 400 IdleTimeout and closes the connection.
	Stall bool
	// GoAway sends a GOAWAY after a number of requests on each connection.
	GoAway *GoAwayFault
	// ResetAfter resets the TCP connection (RST, no GOAWAY) when a
	// connection's request number ResetAfter+1 arrives. Zero: never.
	ResetAfter int
	// CertEnvironmentMismatch treats every client certificate as the other
	// environment's and answers as APNs was seen to: a GOAWAY
	// {"reason":"BadCertificateEnvironment"} with Last-Stream-ID 0.
	CertEnvironmentMismatch bool
	// Forward are the store-and-forward faults between accepting a push and
	// delivering it: delay, hold while offline, reorder (forward.go).
	Forward Forward
}

// GoAwayFault is a GOAWAY sent after After requests on a connection
// (zero: on the first), with a chosen Last-Stream-ID: streams above it are
// left unanswered, and clients retry them on a new connection.
type GoAwayFault struct {
	After        int
	LastStreamID uint32
	Code         http2.ErrCode
	Reason       string // the debug data's {"reason"}; "" means Shutdown
}

func (s *Server) currentFaults() *Faults { return s.faults.Load() }

// requestFault applies the request faults (docs/apns-rules.md#check-order, steps 9 and 10) to a push
// that passed validation. It returns the verdict and what the connection
// must do after answering.
func (s *Server) requestFault(f *Faults, rq *request) (verdict, connAction) {
	if f.TooManyRequests > 0 && !s.rate.allow(strings.ToLower(rq.token), f.TooManyRequests, s.now()) {
		return verdict{status: 429, reason: "TooManyRequests", why: "more than the injected limit of pushes to this device token per second"}, actNone
	}
	if f.Shutdown {
		return verdict{status: 503, reason: "Shutdown", why: "injected: APNs is shutting this connection down"}, actShutdown
	}
	if f.InternalErrorEvery > 0 || f.UnavailableEvery > 0 {
		n := s.faultSeq.Add(1)
		if f.InternalErrorEvery > 0 && n%uint64(f.InternalErrorEvery) == 0 {
			return verdict{status: 500, reason: "InternalServerError", why: "injected: APNs failed"}, actNone
		}
		if f.UnavailableEvery > 0 && n%uint64(f.UnavailableEvery) == 0 {
			return verdict{status: 503, reason: "ServiceUnavailable", why: "injected: APNs is unavailable"}, actNone
		}
	}
	return verdict{}, actNone
}

// connAction is what a connection does after an answer.
type connAction uint8

const (
	actNone     connAction = iota
	actShutdown            // GOAWAY {"reason":"Shutdown"}, then close
	actIdle                // GOAWAY {"reason":"IdleTimeout"}, then close
	actTooMany             // the connection piled up errors: GOAWAY, then close
)

// rateTable counts pushes per device token in one-second windows.
type rateTable struct {
	mu sync.Mutex
	m  map[string]rateWindow
}

type rateWindow struct {
	start time.Time
	n     int
}

func (t *rateTable) init() { t.m = map[string]rateWindow{} }

func (t *rateTable) allow(token string, limit int, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	w := t.m[token]
	if now.Sub(w.start) >= time.Second {
		if len(t.m) > 100000 { // a flood of tokens must not grow it without end
			clear(t.m)
		}
		w = rateWindow{start: now}
	}
	w.n++
	t.m[token] = w
	return w.n <= limit
}
