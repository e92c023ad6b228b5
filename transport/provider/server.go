package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sideshow/apns2"

	"github.com/callscope/callscope/flow"
)

// Pusher sends one notification to APNs; *apns2.Client is one.
type Pusher interface {
	PushWithContext(ctx apns2.Context, n *apns2.Notification) (*apns2.Response, error)
}

// Server is the provider server.
type Server struct {
	apns Pusher
	sink flow.Sink
	// Options shape every push; set before Listen.
	Options PushOptions

	mu      sync.RWMutex
	devices map[string]Device   // by token
	users   map[string][]string // user → tokens

	srv *http.Server
	ln  net.Listener
	// fresh are connections accepted that have not sent a request yet (a
	// client dials ahead when busy). Shutdown counts them as busy for 5 s;
	// Close closes them at once (closeFresh).
	connMu sync.Mutex
	fresh  map[net.Conn]struct{}
	// nFresh is len(fresh): every request moves its connection to active
	// and back to idle, and with no fresh connection (as under load, on
	// kept-alive connections) there is nothing to look up under connMu.
	nFresh atomic.Int64
}

// maxBody bounds a request: an envelope fits in an APNs payload (4 KB).
const maxBody = 64 << 10

// NewServer returns a provider server that pushes with p and emits to sink.
func NewServer(p Pusher, sink flow.Sink) *Server {
	if sink == nil {
		sink = flow.Discard
	}
	s := &Server{apns: p, sink: sink, devices: map[string]Device{}, users: map[string][]string{}, fresh: map[net.Conn]struct{}{}}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second, ConnState: s.track}
	s.srv.RegisterOnShutdown(s.closeFresh)
	return s
}

// track follows which connections have not carried a request yet.
func (s *Server) track(c net.Conn, st http.ConnState) {
	// A connection's StateNew comes before its other states (net/http sets
	// it before the connection's goroutine starts): with none fresh, c is
	// not among them.
	if st != http.StateNew && s.nFresh.Load() == 0 {
		return
	}
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if st == http.StateNew {
		s.fresh[c] = struct{}{}
	} else {
		delete(s.fresh, c)
	}
	s.nFresh.Store(int64(len(s.fresh)))
}

// closeFresh closes the connections that never sent a request, once
// Shutdown has closed the listener: net/http waits 5 s before it counts
// them idle, and a sender's spare keep-alive connection is one of them.
func (s *Server) closeFresh() {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	for c := range s.fresh {
		_ = c.Close()
		delete(s.fresh, c)
	}
	s.nFresh.Store(0)
}

// Listen starts serving on addr ("127.0.0.1:0" for a random port).
func (s *Server) Listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("provider: listen %s: %w", addr, err)
	}
	s.ln = ln
	go func() { _ = s.srv.Serve(ln) }()
	return nil
}

// URL is the server's base URL once it listens.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Close stops the server and waits for requests in flight; idle
// connections and those that never sent a request are closed at once.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

// ServeHTTP routes the API. Routing is by hand so every error is JSON.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == PathPush:
		s.only(w, r, http.MethodPost, s.handlePush)
	case r.URL.Path == PathDevices:
		s.only(w, r, http.MethodPost, s.handleRegister)
	case strings.HasPrefix(r.URL.Path, PathUsers) && strings.HasSuffix(r.URL.Path, "/devices"):
		s.only(w, r, http.MethodGet, s.handleUserDevices)
	default:
		writeJSON(w, http.StatusNotFound, ErrorBody{Error: "no such endpoint: " + r.URL.Path})
	}
}

func (s *Server) only(w http.ResponseWriter, r *http.Request, method string, h http.HandlerFunc) {
	if r.Method != method {
		w.Header().Set("Allow", method)
		writeJSON(w, http.StatusMethodNotAllowed, ErrorBody{Error: r.Method + " " + r.URL.Path + ": want " + method})
		return
	}
	h(w, r)
}

// Register adds or replaces a device, as the app does after it gets a token.
func (s *Server) Register(d Device) error {
	if err := d.validate(); err != nil {
		return err
	}
	d.Token = strings.ToLower(d.Token)
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.devices[d.Token]; ok {
		s.users[old.User] = remove(s.users[old.User], d.Token)
	}
	s.devices[d.Token] = d
	s.users[d.User] = append(s.users[d.User], d.Token)
	return nil
}

func (d Device) validate() error {
	switch {
	case d.User == "":
		return errors.New("device: field user is empty")
	case d.Token == "" || len(d.Token)%2 != 0 || strings.Trim(strings.ToLower(d.Token), "0123456789abcdef") != "":
		return fmt.Errorf("device: field token %q is not an even-length hex string", d.Token)
	case d.Topic == "":
		return errors.New("device: field topic is empty (the app's bundle id)")
	case d.Environment != "sandbox" && d.Environment != "production":
		return fmt.Errorf("device: field environment %q: want sandbox or production", d.Environment)
	case d.PublicKey == "" || d.Scheme == "":
		return errors.New("device: fields scheme and public_key are required: callers seal for them")
	}
	return nil
}

func remove(list []string, v string) []string {
	out := list[:0]
	for _, x := range list {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

// Devices returns the devices a user registered.
func (s *Server) Devices(user string) []Device {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Device, 0, len(s.users[user]))
	for _, t := range s.users[user] {
		out = append(out, s.devices[t])
	}
	return out
}

func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) {
	var d Device
	if err := decode(r, &d); err != nil {
		writeJSON(w, http.StatusBadRequest, ErrorBody{Error: err.Error()})
		return
	}
	if err := s.Register(d); err != nil {
		writeJSON(w, http.StatusBadRequest, ErrorBody{Error: err.Error()})
		return
	}
	writeJSON(w, http.StatusCreated, d)
}

func (s *Server) handleUserDevices(w http.ResponseWriter, r *http.Request) {
	user := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, PathUsers), "/devices")
	devs := s.Devices(user)
	if len(devs) == 0 {
		writeJSON(w, http.StatusNotFound, ErrorBody{Error: "no devices registered for user " + user})
		return
	}
	writeJSON(w, http.StatusOK, devs)
}

func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("request body: %v", err)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	// Assigned, not Set: the name is canonical already, and Set built it
	// and a one-value slice again for every push answered.
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// jsonContentType is shared by every answer: net/http copies the header
// when it writes it and never changes the handler's slices.
var jsonContentType = []string{"application/json"}

func (s *Server) device(token string) (Device, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d, ok := s.devices[strings.ToLower(token)]
	return d, ok
}
