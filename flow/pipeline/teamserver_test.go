package pipeline

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/transport/providerclient"
)

const teamTemplate = `[register]
method = "POST"
path = "/devices"
body = '{"t": "{{token}}"}'
[send]
method = "POST"
path = "/push"
body = '{"t": "{{token}}", "e": {{envelope}}}'
[apns]
listen = "127.0.0.1:0"
`

func teamTpl(t *testing.T) *providerclient.Template {
	t.Helper()
	tpl, err := providerclient.Parse("team.toml", []byte(teamTemplate))
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// TestTeamServerRegisterRefused: a team's server that refuses a device's
// registration stops the run at start, saying which device and what it
// answered.
func TestTeamServerRegisterRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnprocessableEntity)
		_, _ = w.Write([]byte(`{"error":"token too short"}`))
	}))
	defer srv.Close()
	_, err := New(context.Background(), Config{Server: &TeamServer{URL: srv.URL, Template: teamTpl(t)}})
	if err == nil || !strings.Contains(err.Error(), "with the team's server: answered 422: {\"error\":\"token too short\"}") {
		t.Fatalf("error %v", err)
	}
}

// TestTeamServerGone: a team's server that registered the device and is
// gone when the call is sent fails the call where the built-in server's
// absence does: the caller could not reach its server.
func TestTeamServerGone(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(201) })}
	go func() { _ = srv.Serve(ln) }()
	p := newPipeline(t, func(c *Config) { c.Server = &TeamServer{URL: "http://" + ln.Addr().String(), Template: teamTpl(t)} })
	_ = srv.Close()
	c := p.Place(context.Background(), p.Compose())
	if c.Outcome != flow.OutcomeFailed || c.Diag == nil || c.Diag.Stage != flow.StageSender {
		t.Fatalf("call %+v diagnosis %+v", c, c.Diag)
	}
	if !strings.Contains(c.Diag.Detail, "team server: POST /push") {
		t.Fatalf("detail %q does not name the request", c.Diag.Detail)
	}
	if prov, _ := p.Endpoints(); prov != "http://"+ln.Addr().String() {
		t.Fatalf("endpoints name %s, not the team's server", prov)
	}
}

// TestTeamServerPushesNothing: a team's server that answers but never
// pushes the envelope to APNs is blamed at the server stage, with what to
// check, not left as a bare time-out.
func TestTeamServerPushesNothing(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }))
	defer srv.Close()
	p := newPipeline(t, func(c *Config) {
		c.Server = &TeamServer{URL: srv.URL, Template: teamTpl(t)}
		c.CallTimeout = time.Second
	})
	c := p.Place(context.Background(), p.Compose())
	if c.Outcome != flow.OutcomeFailed || c.Diag == nil || c.Diag.Stage != flow.StageServer ||
		!strings.Contains(c.Diag.Detail, "no push carrying this call's envelope reached APNs") {
		t.Fatalf("call %+v diagnosis %+v", c, c.Diag)
	}
}
