package provider

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/sideshow/apns2"
)

// TestCloseIsPrompt: Close does not wait out connections with nothing in
// flight: keep-alive connections that carried requests, and a spare one a
// busy client dialled ahead and never used (net/http's Shutdown counts
// that one busy for 5 s: what held `send` after its last call).
func TestCloseIsPrompt(t *testing.T) {
	tests := []struct {
		name        string
		spare       bool // a connection that never sends a request
		closeClient bool // the client closes its idle connections first
	}{
		{name: "idle keep-alive connections"},
		{name: "a spare connection", spare: true},
		{name: "client closed first, spare connection", spare: true, closeClient: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewServer(apnsFunc(func(n *apns2.Notification) (*apns2.Response, error) {
				return &apns2.Response{StatusCode: 200, ApnsID: n.ApnsID}, nil
			}), nil)
			accepted := make(chan struct{}, 16)
			track := s.srv.ConnState
			s.srv.ConnState = func(c net.Conn, st http.ConnState) {
				if track != nil {
					track(c, st)
				}
				if st == http.StateNew {
					accepted <- struct{}{}
				}
			}
			if err := s.Listen("127.0.0.1:0"); err != nil {
				t.Fatal(err)
			}
			c := NewClient(s.URL())
			if err := c.Register(context.Background(), testDevice()); err != nil {
				t.Fatal(err)
			}
			<-accepted
			if tt.spare {
				nc, err := net.Dial("tcp", s.ln.Addr().String())
				if err != nil {
					t.Fatal(err)
				}
				defer nc.Close()
				select {
				case <-accepted:
				case <-time.After(5 * time.Second):
					t.Fatal("the server never accepted the spare connection")
				}
			}
			if tt.closeClient {
				c.Close()
			}
			done := make(chan error, 1)
			go func() { done <- s.Close() }()
			// Well under net/http's 5 s wait for connections that never
			// sent a request.
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(2 * time.Second):
				t.Fatal("Close still waiting after 2 s with no request in flight")
			}
		})
	}
}
