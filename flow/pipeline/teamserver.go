package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/transport/apns"
	"github.com/callscope/callscope/transport/apnsmock"
	"github.com/callscope/callscope/transport/provider"
	"github.com/callscope/callscope/transport/providerclient"
)

// TeamServer is a team's own provider server, which the sender drives
// through a request template instead of the built-in server
// (docs/server-template.md).
type TeamServer struct {
	URL      string
	Template *providerclient.Template
}

// DefaultTeamAPNs is where the embedded mock listens for a team's server
// when the template's [apns] listen does not say: APNs's alternative port,
// as `callscope mock-apns` listens.
const DefaultTeamAPNs = "127.0.0.1:2197"

// MeasuredServer says what the Server stage's latency is with a team's
// server: callscope sees only the outside of it.
const MeasuredServer = "HTTP round trip to the team's server (its own work and its push to APNs are inside; callscope cannot see them apart)"

// teamServer is the caller app's view of a team's server: the template's
// requests, and the directory of the devices that registered through it
// (callscope's devices know their keys; the team's server need not serve
// them back).
type teamServer struct {
	client *providerclient.Client
	tpl    *providerclient.Template
	sink   flow.Sink
	// relays: the template reads APNs's status from the server's answer,
	// which then decides the push's fate; otherwise the mock's own answer
	// does.
	relays bool

	mu    sync.Mutex
	dirs  map[string][]provider.Device
	byTok map[string]provider.Device
	// byNonce maps each envelope's nonce to its trace: the team's server
	// passes no traceparent on to APNs, the envelope it must pass on.
	byNonce map[string]string
	nonces  map[string][]string // trace id → its envelopes' nonces
}

func newTeamServer(ts *TeamServer, sink flow.Sink) (*teamServer, error) {
	c, err := providerclient.New(ts.URL, ts.Template)
	if err != nil {
		return nil, err
	}
	return &teamServer{client: c, tpl: ts.Template, sink: sink, relays: ts.Template.Send.Answer.APNsStatus != "",
		dirs: map[string][]provider.Device{}, byTok: map[string]provider.Device{},
		byNonce: map[string]string{}, nonces: map[string][]string{}}, nil
}

// mockConfig opens the embedded mock to the team's server as the
// template's [apns] table asks: its address, and the team's provider key.
func (t *teamServer) mockConfig(cfg *apnsmock.Config) error {
	a := t.tpl.APNs
	cfg.Addr = a.Listen
	if cfg.Addr == "" {
		cfg.Addr = DefaultTeamAPNs // the address the team's server is configured with
	}
	cfg.CertFile, cfg.KeyFile = a.Cert, a.Key
	if a.AuthKey != "" {
		k, err := apns.LoadP8(a.AuthKey)
		if err != nil {
			return fmt.Errorf("%s: [apns] auth_key: %w", t.tpl.File, err)
		}
		cfg.Keys = append(cfg.Keys, apnsmock.ProviderKey{KeyID: a.KeyID, TeamID: a.TeamID, Public: &k.PublicKey})
	}
	cfg.TraceOf = t.traceOf
	return nil
}

// checkTeamFiles refuses, before anything runs, an [apns] table whose key
// does not load or whose ca_out cannot be written.
func checkTeamFiles(tpl *providerclient.Template) error {
	a := tpl.APNs
	if a.AuthKey != "" {
		if _, err := apns.LoadP8(a.AuthKey); err != nil {
			return fmt.Errorf("%s: [apns] auth_key: %w", tpl.File, err)
		}
	}
	if a.CAOut != "" {
		if fi, err := os.Stat(filepath.Dir(a.CAOut)); err != nil || !fi.IsDir() {
			return fmt.Errorf("%s: [apns] ca_out %s: no such directory", tpl.File, a.CAOut)
		}
	}
	return nil
}

// writeCA writes the mock's CA for the team's server to trust, whole or
// not at all.
func (t *teamServer) writeCA(pem []byte) error {
	path := t.tpl.APNs.CAOut
	if path == "" {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".ca-*.pem")
	if err != nil {
		return fmt.Errorf("%s: [apns] ca_out: %w", t.tpl.File, err)
	}
	_, werr := tmp.Write(pem)
	cerr := tmp.Close()
	if werr == nil && cerr == nil {
		_ = os.Chmod(tmp.Name(), 0o644) // a CA certificate is public
		if werr = os.Rename(tmp.Name(), path); werr == nil {
			return nil
		}
	}
	_ = os.Remove(tmp.Name())
	if werr == nil {
		werr = cerr
	}
	return fmt.Errorf("%s: [apns] ca_out %s: %w", t.tpl.File, path, werr)
}

func (t *teamServer) close() { t.client.Close() }

func deviceValues(d provider.Device) providerclient.Values {
	return providerclient.Values{Token: d.Token, Device: d.Name, User: d.User, Topic: d.Topic, Environment: d.Environment,
		Scheme: d.Scheme, KID: d.KID, PublicKey: d.PublicKey}
}

// register sends the template's [register] request for a device, as its
// app does with its token, and keeps the device for callers to seal for.
func (t *teamServer) register(ctx context.Context, d provider.Device) error {
	res, err := t.client.Register(ctx, deviceValues(d))
	if err != nil {
		return fmt.Errorf("registering %s with the team's server: %w", d.Name, err)
	}
	if !res.OK {
		return fmt.Errorf("registering %s with the team's server: answered %d%s (the template's [register] answer.status says which statuses are success)",
			d.Name, res.HTTPStatus, colon(res.Error))
	}
	t.mu.Lock()
	t.dirs[d.User] = append(t.dirs[d.User], d)
	t.byTok[d.Token] = d
	t.mu.Unlock()
	return nil
}

func colon(s string) string {
	if s == "" {
		return ""
	}
	return ": " + s
}

// Devices are the user's devices as they registered.
func (t *teamServer) Devices(_ context.Context, user string) ([]provider.Device, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	d := t.dirs[user]
	if len(d) == 0 {
		return nil, fmt.Errorf("no device of %s registered through the team's server", user)
	}
	return append([]provider.Device(nil), d...), nil
}

// Push sends the template's [send] request for one envelope. The Server
// stage is the measured HTTP round trip (MeasuredServer).
func (t *teamServer) Push(ctx context.Context, req provider.PushRequest) (provider.PushResult, error) {
	traceID := provider.TraceID(req.TraceParent)
	var env struct {
		Nonce envelope.B64 `json:"nonce"`
		TS    int64        `json:"ts"`
		TTL   int64        `json:"ttl"`
	}
	_ = json.Unmarshal(req.Envelope, &env) // a broken envelope is the server's to refuse
	t.mu.Lock()
	d := t.byTok[req.Token]
	if len(env.Nonce) > 0 && traceID != "" {
		t.byNonce[string(env.Nonce)] = traceID
		t.nonces[traceID] = append(t.nonces[traceID], string(env.Nonce))
	}
	t.mu.Unlock()
	if d.Token == "" {
		d = provider.Device{Token: req.Token}
	}
	v := deviceValues(d)
	v.Envelope, v.PushType, v.Priority = req.Envelope, "alert", 10
	v.Expiration = env.TS/1000 + env.TTL
	v.TraceID, v.TraceParent = traceID, req.TraceParent

	ev := flow.Event{TraceID: traceID, Stage: flow.StageServer}
	start := time.Now()
	e := ev
	e.Name, e.Time = "sent", start
	e.Attrs = map[string]string{"measured": MeasuredServer, "server": "team", "method": t.tpl.Send.Method,
		"envelope_bytes": strconv.Itoa(len(req.Envelope)), "token": shortTok(req.Token)}
	t.sink.Emit(e)

	res, err := t.client.Send(ctx, v)
	e = ev
	e.Time, e.Duration = start, res.RoundTrip
	e.Attrs = map[string]string{"measured": MeasuredServer}
	if err != nil {
		// The caller could not reach its server: the sender's diagnosis
		// (device.Caller), as with the built-in server.
		e.Name = "unreachable"
		e.Attrs["error"] = err.Error()
		t.sink.Emit(e)
		return provider.PushResult{}, err
	}
	e.Attrs["http_status"] = strconv.Itoa(res.HTTPStatus)
	if res.ApnsID != "" {
		e.Attrs["apns-id"] = res.ApnsID
		e.ApnsID = res.ApnsID
	}
	if res.APNsStatus != 0 {
		e.Attrs["apns_status"] = strconv.Itoa(res.APNsStatus)
	}
	if res.Reason != "" {
		e.Attrs["reason"] = res.Reason
	}
	if !res.OK {
		msg := fmt.Sprintf("the team's server answered %d to %s %s%s", res.HTTPStatus, t.tpl.Send.Method, t.tpl.Send.Path, colon(res.Error))
		e.Name = "rejected"
		e.Diagnosis = &flow.Diagnosis{Stage: flow.StageServer, Code: flow.CodeServerRejected, Detail: msg,
			Hint: "the server refused the request as the template builds it: check [send]'s path, headers and body against its API (the template's answer.status lists what counts as success)"}
		t.sink.Emit(e)
		return provider.PushResult{Error: msg}, nil
	}
	e.Name = "answered"
	t.sink.Emit(e)
	out := provider.PushResult{Status: 200, ApnsID: res.ApnsID}
	if t.relays && res.APNsStatus != 0 {
		out.Status, out.Reason = res.APNsStatus, res.Reason
	}
	return out, nil
}

// traceOf is the mock's TraceOf: the trace of the envelope a push carries.
func (t *teamServer) traceOf(payload []byte) string {
	var p struct {
		VPE struct {
			Nonce envelope.B64 `json:"nonce"`
		} `json:"vpe"`
	}
	if json.Unmarshal(payload, &p) != nil || len(p.VPE.Nonce) == 0 {
		return ""
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.byNonce[string(p.VPE.Nonce)]
}

// forget drops a finished request's envelopes: a long run keeps none.
func (t *teamServer) forget(traceID string) {
	t.mu.Lock()
	for _, n := range t.nonces[traceID] {
		delete(t.byNonce, n)
	}
	delete(t.nonces, traceID)
	t.mu.Unlock()
}

func shortTok(token string) string {
	if len(token) <= 12 {
		return token
	}
	return token[:8] + "…"
}
