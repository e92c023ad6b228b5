package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/sideshow/apns2"

	"github.com/callscope/callscope/transport/apns"
)

// notifyServer is a team's provider server of another shape than
// callscope's built-in one: installations are PUT under their token with an
// API key header, pushes are POST /v2/notify {"to", "blob"} with a bearer
// token, the envelope base64 in "blob". It pushes to APNs with apns2 and
// token auth, as such servers do, and answers 202 with APNs's answer
// inside.
type notifyServer struct {
	t                       *testing.T
	apiKey, bearer          string
	mockURL, caFile         string // where APNs is: the embedded mock, as the template's [apns] sets it up
	key                     *ecdsa.PrivateKey
	keyID, teamID           string
	topicSuffix             string // a mistake the server makes: appended to the bundle id
	failSends               bool   // answer 500 to every push
	mu                      sync.Mutex
	installs                map[string]string // token → bundle id
	client                  *apns2.Client
	registered, pushedCount int
}

func (s *notifyServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	switch {
	case r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/api/v3/installations/"):
		if r.Header.Get("X-Notify-Key") != s.apiKey {
			reply(401, map[string]string{"message": "bad api key"})
			return
		}
		var in struct {
			Owner, Label, Bundle string
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Bundle == "" || in.Owner == "" {
			reply(400, map[string]string{"message": fmt.Sprintf("bad installation %+v %v", in, err)})
			return
		}
		s.mu.Lock()
		s.installs[strings.TrimPrefix(r.URL.Path, "/api/v3/installations/")] = in.Bundle
		s.registered++
		s.mu.Unlock()
		reply(201, map[string]string{"id": uuid.NewString()})
	case r.Method == http.MethodPost && r.URL.Path == "/v2/notify":
		if r.Header.Get("Authorization") != "Bearer "+s.bearer {
			reply(401, map[string]string{"message": "bad bearer token"})
			return
		}
		if s.failSends {
			reply(500, map[string]string{"message": "queue unavailable"})
			return
		}
		var in struct{ To, Blob string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			reply(400, map[string]string{"message": err.Error()})
			return
		}
		env, err := base64.StdEncoding.DecodeString(in.Blob)
		if err != nil || !json.Valid(env) {
			reply(400, map[string]string{"message": "blob is not base64 JSON"})
			return
		}
		s.mu.Lock()
		bundle, ok := s.installs[in.To]
		s.pushedCount++
		s.mu.Unlock()
		if !ok {
			reply(404, map[string]string{"message": "unknown installation"})
			return
		}
		client, err := s.apnsClient()
		if err != nil {
			reply(500, map[string]string{"message": err.Error()})
			return
		}
		// The payload the app's extension reads: a mutable alert, the
		// envelope under "vpe". No traceparent: this server knows none.
		payload, _ := json.Marshal(map[string]any{
			"aps": map[string]any{"alert": map[string]string{"title": "New message", "body": "Open to read"}, "mutable-content": 1},
			"vpe": json.RawMessage(env)})
		res, err := client.PushWithContext(r.Context(), &apns2.Notification{DeviceToken: in.To, Topic: bundle + s.topicSuffix,
			PushType: apns2.PushTypeAlert, Priority: apns2.PriorityHigh, Payload: payload})
		if err != nil {
			reply(502, map[string]string{"message": "apns: " + err.Error()})
			return
		}
		reply(202, map[string]any{"apns": map[string]any{"status": res.StatusCode, "reason": res.Reason, "id": res.ApnsID}})
	default:
		reply(404, map[string]string{"message": "no route " + r.Method + " " + r.URL.Path})
	}
}

// apnsClient connects to the mock on first use: its CA is written when
// callscope starts it.
func (s *notifyServer) apnsClient() (*apns2.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client != nil {
		return s.client, nil
	}
	pem, err := os.ReadFile(s.caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("no CA in %s", s.caFile)
	}
	s.client, err = apns.NewClient(apns.Config{Host: s.mockURL, KeyID: s.keyID, TeamID: s.teamID, Key: s.key, RootCAs: pool})
	return s.client, err
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// notifyTemplate is the request template for notifyServer.
const notifyTemplate = `[register]
method = "PUT"
path = "/api/v3/installations/{{token}}"
body = '{"owner": "{{user}}", "label": "{{device}}", "bundle": "{{topic}}"}'
[register.headers]
X-Notify-Key = "{{env:NOTIFY_KEY}}"

[send]
method = "POST"
path = "/v2/notify"
body = '''
{"to": "{{token}}", "blob": "{{envelope_base64}}"}
'''
[send.headers]
Authorization = "Bearer {{env:NOTIFY_BEARER}}"
[send.answer]
status = [202]
error = "message"
%s
[apns]
listen = %q
ca_out = %q
key_id = "NOTIFYKEY1"
team_id = "NOTIFYTEAM"
auth_key = %q
`

// TestSendThroughTeamServer: send drives a team's provider server of
// another shape through a template; the server pushes to the embedded mock
// with apns2, and the five stages appear with the call connected. Its
// failures are blamed on the stage that caused them.
func TestSendThroughTeamServer(t *testing.T) {
	tests := []struct {
		name        string
		relay       bool // the template reads APNs's answer from the server's
		topicSuffix string
		failSends   bool
		code        int
		outcome     string
		diagStage   string
		diagPart    string
	}{
		{name: "connects", code: 0, outcome: "connected"},
		{name: "connects, APNs's answer relayed", relay: true, code: 0, outcome: "connected"},
		{name: "server pushes to a wrong topic, answer relayed", relay: true, topicSuffix: ".voip", code: 1, outcome: "failed",
			diagStage: "apns", diagPart: "InvalidPushType"},
		{name: "server pushes to a wrong topic, mock tells", topicSuffix: ".voip", code: 1, outcome: "failed",
			diagStage: "apns", diagPart: "InvalidPushType"},
		{name: "server fails", failSends: true, code: 1, outcome: "failed", diagStage: "server",
			diagPart: "the team's server answered 500 to POST /v2/notify: queue unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Setenv("XDG_DATA_HOME", dir)
			t.Setenv("NOTIFY_KEY", "k-1")
			t.Setenv("NOTIFY_BEARER", "b-2")
			key, err := apns.GenerateKey()
			if err != nil {
				t.Fatal(err)
			}
			keyFile := filepath.Join(dir, "AuthKey_NOTIFYKEY1.p8")
			if err := apns.WriteP8(keyFile, key); err != nil {
				t.Fatal(err)
			}
			addr := freeAddr(t)
			ns := &notifyServer{t: t, apiKey: "k-1", bearer: "b-2", mockURL: "https://" + addr, caFile: filepath.Join(dir, "mock-ca.pem"),
				key: key, keyID: "NOTIFYKEY1", teamID: "NOTIFYTEAM", topicSuffix: tt.topicSuffix, failSends: tt.failSends,
				installs: map[string]string{}}
			srv := httptest.NewServer(ns)
			defer srv.Close()
			relay := ""
			if tt.relay {
				relay = "apns_status = \"apns.status\"\nreason = \"apns.reason\"\napns_id = \"apns.id\"\n"
			}
			tplFile := filepath.Join(dir, "notify.toml")
			if err := os.WriteFile(tplFile, fmt.Appendf(nil, notifyTemplate, relay, addr, ns.caFile, keyFile), 0o600); err != nil {
				t.Fatal(err)
			}
			record := filepath.Join(dir, "trace.jsonl")
			root := rootCommand()
			var out, errOut bytes.Buffer
			root.SetOut(&out)
			root.SetErr(&errOut)
			root.SetArgs([]string{"send", "--server", srv.URL, "--server-template", tplFile, "--json", "--record", record})
			err = root.ExecuteContext(context.Background())
			if code := exitStatus(err); code != tt.code {
				t.Fatalf("exit %d (%v), want %d\n%s%s", code, err, tt.code, out.String(), errOut.String())
			}
			var res struct {
				Calls []struct {
					TraceID   string             `json:"trace_id"`
					Outcome   string             `json:"outcome"`
					Latency   map[string]float64 `json:"latency_us"`
					Instant   []string           `json:"instant"`
					Diagnosis *struct {
						Stage, Detail string
					} `json:"diagnosis"`
				} `json:"calls"`
				Summary struct {
					Notes []string `json:"notes"`
				} `json:"summary"`
			}
			if err := json.Unmarshal(out.Bytes(), &res); err != nil || len(res.Calls) != 1 {
				t.Fatalf("output %v:\n%s", err, out.String())
			}
			c := res.Calls[0]
			if c.Outcome != tt.outcome {
				t.Fatalf("outcome %s, want %s\n%s", c.Outcome, tt.outcome, out.String())
			}
			if ns.registered != 1 || ns.pushedCount != 1 && !tt.failSends {
				t.Fatalf("the team's server saw %d registrations and %d pushes", ns.registered, ns.pushedCount)
			}
			if tt.diagStage != "" {
				if c.Diagnosis == nil || c.Diagnosis.Stage != tt.diagStage || !strings.Contains(c.Diagnosis.Detail, tt.diagPart) {
					t.Fatalf("diagnosis %+v, want stage %s with %q", c.Diagnosis, tt.diagStage, tt.diagPart)
				}
				return
			}
			stages := map[string]bool{}
			for s := range c.Latency {
				stages[s] = true
			}
			for _, s := range c.Instant {
				stages[s] = true
			}
			for _, s := range []string{"sender", "server", "apns", "extension", "callkit"} {
				if !stages[s] {
					t.Fatalf("stage %s missing: %s", s, out.String())
				}
			}
			if len(res.Summary.Notes) == 0 || !strings.Contains(strings.Join(res.Summary.Notes, "\n"), "HTTP round trip to the team's server") {
				t.Fatalf("notes %q do not say what the server stage measures", res.Summary.Notes)
			}
			// The server's events say what is measured; APNs's and the
			// device's carry the sender's trace id, though the team's
			// server passed no traceparent on.
			seen := map[string]bool{}
			f, err := os.Open(record)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				var e struct {
					TraceID string            `json:"trace_id"`
					Stage   string            `json:"stage"`
					Name    string            `json:"name"`
					Attrs   map[string]string `json:"attrs"`
				}
				if json.Unmarshal(sc.Bytes(), &e) != nil || e.TraceID != c.TraceID {
					continue
				}
				seen[e.Stage+"/"+e.Name] = true
				if e.Stage == "server" && !strings.HasPrefix(e.Attrs["measured"], "HTTP round trip to the team's server") {
					t.Fatalf("server event %s does not say what it measures: %v", e.Name, e.Attrs)
				}
			}
			for _, want := range []string{"server/sent", "server/answered", "apns/received", "apns/accepted", "apns/delivered"} {
				if !seen[want] {
					t.Fatalf("no %s event under the call's trace id; seen %v", want, seen)
				}
			}
		})
	}
}

// TestSendServerUsage: a bad template or a missing flag is exit 2 with one
// line naming the file, line and field, before anything runs, on send and
// on the screen.
func TestSendServerUsage(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	src := "[register]\nmethod = \"PUT\"\npath = \"/i/{{token}}\"\n\n[send]\nmethod = \"POST\"\npath = \"/v2/notify\"\nbody = '''\n{\"to\": \"{{token}}\",\n \"blob\": \"{{envelop}}\"}\n'''\n"
	if err := os.WriteFile(bad, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	good := "[register]\nmethod = \"PUT\"\npath = \"/i/{{token}}\"\n[send]\nmethod = \"POST\"\npath = \"/n\"\n[apns]\n"
	noDir := filepath.Join(dir, "nodir.toml")
	notKey := filepath.Join(dir, "notkey.toml")
	okTpl := filepath.Join(dir, "ok.toml")
	for f, extra := range map[string]string{okTpl: "", noDir: "ca_out = \"nodir/ca.pem\"\n",
		notKey: "key_id = \"ABC1234567\"\nteam_id = \"TEAM123456\"\nauth_key = \"notkey.toml\"\n"} {
		if err := os.WriteFile(f, []byte(good+extra), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{"unknown placeholder", []string{"--server", "http://127.0.0.1:1", "--server-template", bad},
			"--server-template: " + bad + ":10: field send.body: unknown placeholder {{envelop}}"},
		{"no template", []string{"--server", "http://127.0.0.1:1"}, "--server needs --server-template FILE"},
		{"no server", []string{"--server-template", bad}, "--server-template needs --server URL"},
		{"not a URL", []string{"--server", "127.0.0.1:1", "--server-template", okTpl}, `--server "127.0.0.1:1": want an http:// or https:// URL`},
		{"with a scenario", []string{"--scenario", "all", "--server", "http://x"}, "--server"},
		{"ca_out in no directory", []string{"--server", "http://127.0.0.1:1", "--server-template", noDir},
			"--server-template: " + noDir + ": [apns] ca_out " + filepath.Join(dir, "nodir", "ca.pem") + ": no such directory"},
		{"auth_key not a key", []string{"--server", "http://127.0.0.1:1", "--server-template", notKey},
			"--server-template: " + notKey + ": [apns] auth_key: "},
		{"the screen: unknown placeholder", []string{"--server", "http://127.0.0.1:1", "--server-template", bad},
			"--server-template: " + bad + ":10: field send.body: unknown placeholder {{envelop}}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := rootCommand()
			var out bytes.Buffer
			root.SetOut(&out)
			root.SetErr(&out)
			args := append([]string{"send"}, tt.args...)
			if strings.HasPrefix(tt.name, "the screen") {
				args = tt.args
			}
			root.SetArgs(args)
			err := root.ExecuteContext(context.Background())
			if code := exitStatus(err); code != 2 {
				t.Fatalf("exit %d (%v), want 2", code, err)
			}
			if !strings.HasPrefix(err.Error(), tt.msg) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q\nwant one line starting %q", err, tt.msg)
			}
		})
	}
}
