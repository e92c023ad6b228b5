package apnsmock

import (
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/transport/h2server"
)

// h2conn is APNs' policy on one provider connection; the HTTP/2 itself is
// transport/h2server's. The mock runs its own HTTP/2 server because APNs
// does what Go's http2.Server cannot: a SETTINGS raise of
// MAX_CONCURRENT_STREAMS once a token verifies, GOAWAY with JSON debug data
// and a chosen Last-Stream-ID, and closing connections that pile up errors
// (docs/apns-rules.md#connection-behaviour). Its methods run on the
// connection's read loop (the per-connection token state needs no lock),
// except respond after an injected delay.
type h2conn struct {
	s        *Server
	hc       *h2server.Conn
	auth     *connAuth
	requests int // complete requests, for the per-connection faults
	errs     int // counted errors (not 410)
}

// Settings as observed from APNs (docs/apns-rules.md#connection-behaviour).
const (
	headerTableSize   = 4096
	maxHeaderListSize = 8000
)

// Request is a complete push: per-connection faults, validation, the
// SETTINGS raise after the first valid token, error counting, and the
// answer (now or after an injected delay).
func (c *h2conn) Request(r *h2server.Request) {
	if r.Truncated {
		c.s.headersTooLarge(r)
		c.hc.Respond(r, 431, nil, nil)
		return
	}
	c.requests++
	f := c.s.currentFaults()
	if f.ResetAfter > 0 && c.requests > f.ResetAfter {
		c.hc.Reset()
		return
	}
	if f.CertEnvironmentMismatch && c.auth.cert != nil {
		c.hc.GoAway(0, http2.ErrCodeNo, reasonJSON("BadCertificateEnvironment"), true)
		return
	}
	rq := &request{start: r.Start, method: r.Method, path: r.Path, fields: r.Fields, body: r.Body, size: r.Size}
	a := c.s.handle(c.auth, rq)
	if c.auth.authed && c.hc.MaxStreams() < c.s.cfg.MaxStreams {
		c.hc.SetMaxStreams(c.s.cfg.MaxStreams)
	}
	if a.status >= 400 && a.status < 500 && a.status != 410 && a.after == actNone {
		c.errs++
		if a.reason == "BadDeviceToken" {
			c.errs++ // Apple: connections are cut sooner for BadDeviceToken
		}
		if c.errs >= c.s.cfg.ErrorLimit {
			a.after = actTooMany
		}
	}
	var goAwayAfter *GoAwayFault
	if g := f.GoAway; g != nil && c.requests >= max(g.After, 1) && !c.hc.GoingAway() {
		goAwayAfter = g
	}
	respond := func() {
		c.respond(r, rq, a)
		if goAwayAfter != nil {
			reason := goAwayAfter.Reason
			if reason == "" {
				reason = "Shutdown"
			}
			c.hc.GoAway(goAwayAfter.LastStreamID, goAwayAfter.Code, reasonJSON(reason), false)
		}
	}
	if a.delay > 0 {
		time.AfterFunc(a.delay, respond)
		return
	}
	respond()
}

func (c *h2conn) respond(r *h2server.Request, rq *request, a answer) {
	if !c.hc.Alive() {
		return
	}
	status, ct, body := 200, false, []byte(nil)
	if a.status != 0 {
		status, ct, body = a.status, true, c.s.errorBody(a.status, a.reason)
	}
	// Unique per push: never indexed, so they don't churn the client's table.
	fields := make([]hpack.HeaderField, 0, 3)
	if ct {
		fields = append(fields, hpack.HeaderField{Name: "content-type", Value: "application/json"})
	}
	fields = append(fields, hpack.HeaderField{Name: "apns-id", Value: a.apnsID, Sensitive: true})
	if a.uniqueID != "" {
		fields = append(fields, hpack.HeaderField{Name: "apns-unique-id", Value: a.uniqueID, Sensitive: true})
	}
	// Hand the push to the device link before the client can read the 200:
	// whoever waits for the answer may then count on the push being queued.
	c.s.settle(rq, a)
	c.hc.Respond(r, status, fields, body)
	switch a.after {
	case actShutdown:
		c.hc.GoAway(r.Stream, http2.ErrCodeNo, reasonJSON("Shutdown"), false)
	case actIdle:
		c.hc.GoAway(r.Stream, http2.ErrCodeNo, reasonJSON("IdleTimeout"), false)
	case actTooMany:
		c.hc.GoAway(r.Stream, http2.ErrCodeNo, reasonJSON(a.reason), false)
	}
}

// Idle closes a connection that carried no request for IdleTimeout.
func (c *h2conn) Idle() {
	c.hc.GoAway(c.hc.LastStream(), http2.ErrCodeNo, reasonJSON("IdleTimeout"), true)
}

// headersTooLarge shows a request refused before it could be read: its
// header block passed SETTINGS_MAX_HEADER_LIST_SIZE. HTTP/2 answers it with
// 431 and no APNs reason, so neither apns-id nor payload is known; the event
// is traced under a fresh id so the screen and the trace still show it.
func (s *Server) headersTooLarge(r *h2server.Request) {
	rq := &request{start: r.Start, apnsID: uuid.NewString()}
	rq.traceID = strings.ReplaceAll(rq.apnsID, "-", "")
	why := "header block over SETTINGS_MAX_HEADER_LIST_SIZE " + strconv.Itoa(maxHeaderListSize) + " bytes"
	s.eventPush(rq, "rejected", r.Start, time.Since(r.Start), map[string]string{"status": "431", "why": why},
		&flow.Diagnosis{Stage: flow.StageAPNs, Code: flow.CodeAPNsRejected, Detail: "431 Request Header Fields Too Large: " + why,
			Hint: "the provider sent headers larger than APNs accepts on this connection: look for an oversized custom header or authorization token"},
		&flow.PushRecord{Status: 431})
}

// reasonJSON is APNs' GOAWAY debug data.
func reasonJSON(reason string) []byte { return []byte(`{"reason":"` + reason + `"}`) }

// shutdown is the server closing: GOAWAY Shutdown to every connection.
func (c *h2conn) shutdown() {
	c.hc.GoAway(c.hc.LastStream(), http2.ErrCodeNo, reasonJSON("Shutdown"), false)
	select {
	case <-c.hc.Done():
	case <-time.After(2 * time.Second):
		c.hc.Close()
	}
}
