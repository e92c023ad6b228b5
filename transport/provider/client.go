package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/callscope/callscope/internal/jsonwalk"
)

// Client is the caller app's connection to the provider server.
type Client struct {
	BaseURL string
	HTTP    *http.Client
	// fast posts pushes when BaseURL is a plain http://host:port (h1.go);
	// nil, or made for another BaseURL: HTTP does.
	fast *h1
}

// NewClient returns a client for the server at baseURL with keep-alive
// connections, as an app keeps its connection to its server.
func NewClient(baseURL string) *Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	const timeout = 90 * time.Second
	return &Client{BaseURL: baseURL, HTTP: &http.Client{Transport: tr, Timeout: timeout}, fast: newH1(baseURL, timeout)}
}

// Close closes the client's idle keep-alive connections: the server's
// Shutdown then has nothing to wait for. A nil client has none.
func (c *Client) Close() {
	if c != nil {
		c.HTTP.CloseIdleConnections()
		if c.fast != nil {
			c.fast.close()
		}
	}
}

// Register registers a device.
func (c *Client) Register(ctx context.Context, d Device) error {
	return c.do(ctx, http.MethodPost, PathDevices, d, nil, http.StatusCreated)
}

// Devices looks up the devices of a user.
func (c *Client) Devices(ctx context.Context, user string) ([]Device, error) {
	var out []Device
	err := c.do(ctx, http.MethodGet, PathUsers+url.PathEscape(user)+"/devices", nil, &out, http.StatusOK)
	return out, err
}

// Push hands an envelope to the server. A rejection by APNs is not an error:
// it comes back in the result with APNs' status and reason.
func (c *Client) Push(ctx context.Context, req PushRequest) (PushResult, error) {
	var res PushResult
	var in any = req
	// Sized for the whole document: appending to nil grew it five times.
	b, ok := req.appendJSON(make([]byte, 0, len(req.Token)+len(req.Envelope)+len(req.TraceParent)+len(`{"token":"","envelope":,"traceparent":""}`)))
	if ok {
		in = rawBody(b)
	}
	var status int
	var err error
	if ok && c.fast != nil && c.fast.base == c.BaseURL {
		status, err = c.postFast(ctx, b, &res)
	} else {
		status, err = c.round(ctx, http.MethodPost, PathPush, in, &res)
	}
	if err != nil {
		return res, err
	}
	if status != http.StatusOK && res.Status == 0 && res.Error == "" {
		return res, fmt.Errorf("provider: %s answered %d", PathPush, status)
	}
	return res, nil
}

func (c *Client) do(ctx context.Context, method, path string, in, out any, want int) error {
	var raw json.RawMessage
	status, err := c.round(ctx, method, path, in, &raw)
	if err != nil {
		return err
	}
	if status != want {
		var eb ErrorBody
		if json.Unmarshal(raw, &eb) == nil && eb.Error != "" {
			return fmt.Errorf("provider: %s %s: %d: %s", method, path, status, eb.Error)
		}
		return fmt.Errorf("provider: %s %s answered %d", method, path, status)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("provider: %s %s: %w", method, path, err)
		}
	}
	return nil
}

// round sends one request and decodes the JSON answer into out, whatever the
// status, so error bodies reach the caller.
func (c *Client) round(ctx context.Context, method, path string, in, out any) (int, error) {
	var body io.Reader
	if raw, ok := in.(rawBody); ok {
		body = bytes.NewReader(raw)
	} else if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, body)
	if err != nil {
		return 0, err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, fmt.Errorf("provider: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return resp.StatusCode, fmt.Errorf("provider: %s %s: reading answer: %w", method, path, err)
	}
	if len(b) > 0 && out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, fmt.Errorf("provider: %s %s answered %d with a body that is not JSON: %.80q", method, path, resp.StatusCode, b)
		}
	}
	return resp.StatusCode, nil
}

// postFast is round for a push over the fast path (h1.go).
func (c *Client) postFast(ctx context.Context, body []byte, res *PushResult) (int, error) {
	status, b, err := c.fast.post(ctx, PathPush, body)
	if err != nil {
		return 0, fmt.Errorf("provider: %s %s: %w", http.MethodPost, PathPush, err)
	}
	if len(b) > 0 && !resultFast(b, res) {
		*res = PushResult{}
		if err := json.Unmarshal(b, res); err != nil {
			return status, fmt.Errorf("provider: %s %s answered %d with a body that is not JSON: %.80q", http.MethodPost, PathPush, status, b)
		}
	}
	return status, nil
}

// rawBody is a request body already in JSON.
type rawBody []byte

// appendJSON writes what json.Marshal writes for r, without reflection and
// without compacting the envelope again: the caller posts one per call, its
// envelope just marshalled. ok is false when the envelope is not valid
// JSON or a field needs escaping; json.Marshal then says why.
func (r PushRequest) appendJSON(b []byte) (_ []byte, ok bool) {
	if !plainString(r.Token) || !plainString(r.TraceParent) || !plainJSON(r.Envelope) || !jsonwalk.Valid(r.Envelope) {
		return nil, false
	}
	b = append(b, `{"token":"`...)
	b = append(b, r.Token...)
	b = append(b, `","envelope":`...)
	b = append(b, r.Envelope...)
	if r.TraceParent != "" {
		b = append(b, `,"traceparent":"`...)
		b = append(b, r.TraceParent...)
		b = append(b, '"')
	}
	return append(b, '}'), true
}
