package providerclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/callscope/callscope/internal/tomlfile"
)

// Template is a loaded, checked request template.
type Template struct {
	File     string
	Register Request
	Send     Request
	// APNs says how the embedded mock APNs is offered to the team's server.
	APNs MockAPNs
}

// Request is one templated HTTP request and how to read its answer.
type Request struct {
	Method  string
	Path    string
	Headers map[string]string
	Body    string
	Answer  Answer

	path    text
	headers map[string]text
	body    text
}

// Answer says how to read the server's answer. Fields are dotted paths into
// a JSON answer ("result.apns_id"); empty ones are not read.
type Answer struct {
	// Status is the HTTP statuses that mean success; empty: any 2xx.
	Status []int `toml:"status"`
	// APNsStatus, Reason and ApnsID are where a server that relays APNs's
	// answer puts its status, reason and apns-id.
	APNsStatus string `toml:"apns_status"`
	Reason     string `toml:"reason"`
	ApnsID     string `toml:"apns_id"`
	// Error is where the server puts its own error message.
	Error string `toml:"error"`
}

// OK says whether an HTTP status means success.
func (a Answer) OK(status int) bool {
	if len(a.Status) == 0 {
		return status >= 200 && status < 300
	}
	for _, s := range a.Status {
		if s == status {
			return true
		}
	}
	return false
}

// MockAPNs is the [apns] table: how callscope's embedded mock APNs is set
// up so that the team's server can push to it.
type MockAPNs struct {
	// Listen is the mock's address, the APNs host the team's server is
	// configured with; "" is 127.0.0.1:2197, "127.0.0.1:0" a free port.
	Listen string `toml:"listen"`
	// CAOut is where the PEM of the CA that signed the mock's certificate is
	// written, for the team's server to trust.
	CAOut string `toml:"ca_out"`
	// Cert and Key (PEM) are served instead of a certificate made at start,
	// so the team's server can trust one CA from run to run.
	Cert string `toml:"cert"`
	Key  string `toml:"key"`
	// The team's provider key, which the mock then accepts: key id, team id
	// and the .p8 file (only its public half is kept).
	KeyID   string `toml:"key_id"`
	TeamID  string `toml:"team_id"`
	AuthKey string `toml:"auth_key"`
}

type fileRequest struct {
	Method  string            `toml:"method"`
	Path    string            `toml:"path"`
	Headers map[string]string `toml:"headers"`
	Body    string            `toml:"body"`
	Answer  Answer            `toml:"answer"`
}

type file struct {
	Register *fileRequest `toml:"register"`
	Send     *fileRequest `toml:"send"`
	APNs     MockAPNs     `toml:"apns"`
}

// Load reads and checks a template: both requests present, methods known,
// paths absolute, every placeholder known where it stands, and a JSON body
// still JSON once filled in. Errors name the file, the line and the field.
func Load(path string) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, errors.Unwrap(err))
	}
	return Parse(path, data)
}

// Parse is Load on data read from name.
func Parse(name string, data []byte) (*Template, error) {
	var f file
	if err := tomlfile.Decode(name, data, &f); err != nil {
		return nil, err
	}
	t := &Template{File: name, APNs: f.APNs}
	for _, r := range []struct {
		table string
		in    *fileRequest
		out   *Request
	}{{"register", f.Register, &t.Register}, {"send", f.Send, &t.Send}} {
		if r.in == nil {
			return nil, fmt.Errorf("%s: no [%s] table: the template needs both [register] and [send] (docs/server-template.md)", name, r.table)
		}
		req, err := compile(r.table, *r.in)
		if err != nil {
			var fe *fieldError
			if errors.As(err, &fe) {
				return nil, fmt.Errorf("%s:%d: field %s: %s", name, fe.line(data), strings.Join(fe.key, "."), fe.msg)
			}
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		*r.out = req
	}
	a := t.APNs
	if (a.KeyID != "" || a.TeamID != "" || a.AuthKey != "") && (a.KeyID == "" || a.TeamID == "" || a.AuthKey == "") {
		given := "auth_key"
		switch {
		case a.KeyID != "":
			given = "key_id"
		case a.TeamID != "":
			given = "team_id"
		}
		fe := &fieldError{key: []string{"apns", given}, offset: -1, msg: "key_id, team_id and auth_key go together: the mock accepts the team's key by all three"}
		return nil, fmt.Errorf("%s:%d: field apns: %s", name, fe.line(data), fe.msg)
	}
	if (a.Cert == "") != (a.Key == "") {
		given := "cert"
		if a.Key != "" {
			given = "key"
		}
		fe := &fieldError{key: []string{"apns", given}, offset: -1, msg: "cert and key go together"}
		return nil, fmt.Errorf("%s:%d: field apns.%s: %s", name, fe.line(data), given, fe.msg)
	}
	// Files named in the template are found beside it, wherever callscope
	// runs from.
	for _, f := range []*string{&t.APNs.CAOut, &t.APNs.Cert, &t.APNs.Key, &t.APNs.AuthKey} {
		if *f != "" && !filepath.IsAbs(*f) {
			*f = filepath.Join(filepath.Dir(name), *f)
		}
	}
	if a.Cert != "" && a.CAOut != "" {
		fe := &fieldError{key: []string{"apns", "ca_out"}, offset: -1}
		return nil, fmt.Errorf("%s:%d: field apns.ca_out: with cert there is no CA of the mock's to write: the team's server trusts the CA that signed cert", name, fe.line(data))
	}
	return t, nil
}

// fieldError is a fault in one field; offset is a byte offset inside a
// string value (-1 for the key's own line).
type fieldError struct {
	key    []string
	offset int
	value  string
	msg    string
}

func (e *fieldError) Error() string { return strings.Join(e.key, ".") + ": " + e.msg }

// line is the line of the fault: the key's line, plus the lines of a
// multi-line string before the offset.
func (e *fieldError) line(data []byte) int {
	n := 0
	for k := e.key; n == 0 && len(k) > 0; k = k[:len(k)-1] {
		// An inline table's key is found by its table's line.
		if n = tomlfile.Line(data, k...); n != 0 && len(k) < len(e.key) {
			return n
		}
	}
	if n == 0 || e.offset < 0 {
		return n
	}
	lines := strings.Split(string(data), "\n")
	if n-1 < len(lines) {
		l := lines[n-1]
		for _, q := range []string{`'''`, `"""`} {
			// A newline right after the opening delimiter is trimmed.
			if i := strings.Index(l, q); i >= 0 && strings.TrimSpace(l[i+3:]) == "" {
				n++
			}
		}
	}
	return n + strings.Count(e.value[:min(e.offset, len(e.value))], "\n")
}

var methods = map[string]bool{http.MethodGet: true, http.MethodPost: true, http.MethodPut: true, http.MethodPatch: true, http.MethodDelete: true}

func compile(table string, in fileRequest) (Request, error) {
	key := func(k ...string) []string { return append([]string{table}, k...) }
	bad := func(k []string, value string, err error) error {
		var te *textError
		if errors.As(err, &te) {
			return &fieldError{key: k, offset: te.offset, value: value, msg: te.msg}
		}
		return &fieldError{key: k, offset: -1, msg: err.Error()}
	}
	r := Request{Method: strings.ToUpper(in.Method), Path: in.Path, Headers: in.Headers, Body: in.Body, Answer: in.Answer}
	register := table == "register"
	switch {
	case in.Method == "":
		return r, bad(key("method"), "", errors.New("missing (GET, POST, PUT, PATCH or DELETE)"))
	case !methods[r.Method]:
		return r, bad(key("method"), "", fmt.Errorf("%q: want GET, POST, PUT, PATCH or DELETE", in.Method))
	case !strings.HasPrefix(in.Path, "/"):
		return r, bad(key("path"), "", fmt.Errorf("%q: want a path from the server's root, starting with /", in.Path))
	}
	var err error
	if r.path, err = parseText(in.Path, inPath, register); err != nil {
		return r, bad(key("path"), in.Path, err)
	}
	names := make([]string, 0, len(in.Headers))
	for h := range in.Headers {
		names = append(names, h)
	}
	sort.Strings(names)
	r.headers = map[string]text{}
	contentType := ""
	for _, h := range names {
		if h == "" || strings.ContainsAny(h, " :\r\n\t") {
			return r, bad(key("headers", h), "", fmt.Errorf("%q is not a header name", h))
		}
		if r.headers[h], err = parseText(in.Headers[h], inHeader, register); err != nil {
			return r, bad(key("headers", h), in.Headers[h], err)
		}
		if strings.EqualFold(h, "Content-Type") {
			contentType = strings.ToLower(in.Headers[h])
		}
	}
	w := inRaw
	switch {
	case contentType == "" || strings.Contains(contentType, "json"):
		w = inJSON
	case strings.Contains(contentType, "x-www-form-urlencoded"):
		w = inForm
	}
	if in.Body != "" && (r.Method == http.MethodGet || r.Method == http.MethodDelete) {
		return r, bad(key("body"), "", fmt.Errorf("a %s request carries no body", r.Method))
	}
	if r.body, err = parseText(in.Body, w, register); err != nil {
		return r, bad(key("body"), in.Body, err)
	}
	if w == inJSON && in.Body != "" {
		if err := checkJSON(r.body, register); err != nil {
			return r, bad(key("body"), "", err)
		}
	}
	for _, s := range in.Answer.Status {
		if s < 100 || s > 599 {
			return r, bad(key("answer", "status"), "", fmt.Errorf("%d is not an HTTP status", s))
		}
	}
	return r, nil
}

// checkJSON fills a JSON body in with sample values and checks it parses:
// a quote too many or a comma missing shows at load, not at the server.
func checkJSON(t text, register bool) error {
	v := sampleValues()
	for _, s := range t.segs {
		if s.env != "" {
			return nil // only in headers; parseText refused it
		}
	}
	out, err := t.render(&v)
	if err != nil {
		return err
	}
	var x any
	if err := json.Unmarshal([]byte(out), &x); err != nil {
		return fmt.Errorf("not JSON once filled in (%v); inside quotes a placeholder is escaped, outside it is a JSON value of its own", err)
	}
	return nil
}

func sampleValues() Values {
	return Values{Token: "00ff", Device: "iPhone \"15\"", User: "bob@example.org", Topic: "org.example.app",
		Environment: "sandbox", Scheme: "s", KID: "k", PublicKey: "p",
		Envelope: []byte(`{"v":1,"ct":"x\"y"}`), PushType: "alert", Priority: 10, Expiration: 1,
		TraceID: "0123456789abcdef0123456789abcdef", TraceParent: "00-0123456789abcdef0123456789abcdef-0123456789abcdef-01"}
}
