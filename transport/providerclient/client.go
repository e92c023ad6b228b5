package providerclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxAnswer bounds how much of an answer is read: a provider's answer is a
// few hundred bytes.
const maxAnswer = 64 << 10

// Client sends templated requests to one team server.
type Client struct {
	base *url.URL
	tpl  *Template
	http *http.Client
}

// New returns a client for the server at baseURL (http or https, with an
// optional path prefix the template's paths are appended to).
func New(baseURL string, t *Template) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--server %q: want an http:// or https:// URL", baseURL)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	return &Client{base: u, tpl: t, http: &http.Client{Transport: tr, Timeout: 90 * time.Second}}, nil
}

// Close drops idle keep-alive connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Result is what the team's server answered, as the template reads it.
type Result struct {
	HTTPStatus int
	OK         bool // HTTPStatus is one the template counts as success
	// APNsStatus, Reason and ApnsID are APNs's answer as the server relayed
	// it; zero and empty when the template does not read them or the
	// answer lacks them.
	APNsStatus int
	Reason     string
	ApnsID     string
	// Error is the server's own error message, or the start of a body the
	// template could not read.
	Error string
	// RoundTrip is the measured HTTP round trip: from sending the request
	// to reading the whole answer.
	RoundTrip time.Duration
}

// Register sends the [register] request for a device.
func (c *Client) Register(ctx context.Context, v Values) (Result, error) {
	return c.do(ctx, "register", &c.tpl.Register, v)
}

// Send sends the [send] request for one envelope.
func (c *Client) Send(ctx context.Context, v Values) (Result, error) {
	return c.do(ctx, "send", &c.tpl.Send, v)
}

// Build renders a request without sending it.
func (c *Client) Build(ctx context.Context, table string, r *Request, v Values) (*http.Request, error) {
	fail := func(field string, err error) (*http.Request, error) {
		return nil, fmt.Errorf("%s: [%s] %s: %w", c.tpl.File, table, field, err)
	}
	path, err := r.path.render(&v)
	if err != nil {
		return fail("path", err)
	}
	body, err := r.body.render(&v)
	if err != nil {
		return fail("body", err)
	}
	// The path is escaped already: joined as text, not re-escaped.
	full := c.base.Scheme + "://" + c.base.Host + strings.TrimSuffix(c.base.EscapedPath(), "/") + path
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, full, rd)
	if err != nil {
		return fail("path", err)
	}
	for name, t := range r.headers {
		val, err := t.render(&v)
		if err != nil {
			return fail("headers."+name, err)
		}
		if strings.EqualFold(name, "Host") {
			req.Host = val
			continue
		}
		req.Header.Set(name, val)
	}
	if body != "" && req.Header.Get("Content-Type") == "" && r.body.where == inJSON {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

func (c *Client) do(ctx context.Context, table string, r *Request, v Values) (Result, error) {
	req, err := c.Build(ctx, table, r, v)
	if err != nil {
		return Result{}, err
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return Result{RoundTrip: time.Since(start)}, fmt.Errorf("team server: %s %s: %w", req.Method, req.URL.Path, unwrapURL(err))
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	resp.Body.Close()
	res := Result{HTTPStatus: resp.StatusCode, OK: r.Answer.OK(resp.StatusCode), RoundTrip: time.Since(start)}
	if err != nil {
		return res, fmt.Errorf("team server: %s %s: reading the answer: %w", req.Method, req.URL.Path, err)
	}
	res.read(r.Answer, b)
	return res, nil
}

func unwrapURL(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// read takes the fields the template names from a JSON answer. A field the
// answer lacks stays empty; a body that is not JSON is kept, cut short, as
// the error when the status is not a success.
func (r *Result) read(a Answer, b []byte) {
	var doc any
	isJSON := len(bytes.TrimSpace(b)) > 0 && json.Unmarshal(b, &doc) == nil
	if isJSON {
		if s, ok := lookup(doc, a.APNsStatus); ok {
			r.APNsStatus, _ = strconv.Atoi(s)
		}
		r.Reason, _ = lookup(doc, a.Reason)
		r.ApnsID, _ = lookup(doc, a.ApnsID)
		r.Error, _ = lookup(doc, a.Error)
	}
	if !r.OK && r.Error == "" && r.Reason == "" {
		s := strings.TrimSpace(string(b))
		if len(s) > 120 {
			s = s[:120] + "…"
		}
		r.Error = s
	}
}

// lookup follows a dotted path through JSON objects; numbers and booleans
// come back as their JSON text.
func lookup(doc any, path string) (string, bool) {
	if path == "" {
		return "", false
	}
	cur := doc
	for _, k := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return "", false
		}
		if cur, ok = m[k]; !ok {
			return "", false
		}
	}
	switch x := cur.(type) {
	case string:
		return x, true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	case nil:
		return "", false
	}
	b, _ := json.Marshal(cur)
	return string(b), true
}
