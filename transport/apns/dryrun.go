package apns

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/sideshow/apns2/token"
)

// DryRun is a push to show instead of send: the request as Send would put
// it on the wire, and how it would be authenticated. Nothing in it is
// secret: the JWT is shown as header and claims, the certificate by name.
type DryRun struct {
	Request *Request
	// Token auth: the key id, team id and the .p8's path (never read here).
	KeyID, TeamID, KeyFile string
	// KeySource, when set, says where the key comes from instead of KeyFile
	// (e.g. a throwaway key made for the mock).
	KeySource string
	IssuedAt  time.Time // the iat the JWT would carry
	// Certificate auth.
	CertFile string
	Cert     *CertInfo
	// CAFile is the CA the client trusts instead of the system's (the mock's).
	CAFile string
	// HostNote, when set, says what the host is (e.g. the embedded mock).
	HostNote string
}

// jwtPlaceholder stands for the signed token in the printed request.
const jwtPlaceholder = "bearer <JWT: header and claims below, signature redacted>"

func (d DryRun) token() bool { return d.CertFile == "" }

// JWTParts are the JWT's header and claims as apns2 signs them.
func (d DryRun) JWTParts() (header, claims string) {
	h, _ := json.Marshal(map[string]string{"alg": "ES256", "kid": d.KeyID})
	c, _ := json.Marshal(struct {
		Iss string `json:"iss"`
		Iat int64  `json:"iat"`
	}{d.TeamID, d.IssuedAt.Unix()})
	return string(h), string(c)
}

// Render prints the request, the JWT's header and claims or the
// certificate, the payload pretty-printed with its size against the push
// type's limit, and the equivalent curl command.
func (d DryRun) Render(w io.Writer) error {
	r := d.Request
	var b strings.Builder
	fmt.Fprintln(&b, "dry run: nothing was sent and nothing was signed")
	fmt.Fprintf(&b, "host: %s", hostName(r.Host))
	if u, err := url.Parse(r.Host); err == nil && u.Port() != "" {
		fmt.Fprintf(&b, " port %s", u.Port())
	} else if d.HostNote == "" {
		fmt.Fprint(&b, " port 443")
	}
	if env := Environment(r.Host); env != "" {
		fmt.Fprintf(&b, " (Apple's %s)", env)
	}
	if d.HostNote != "" {
		fmt.Fprintf(&b, " (%s)", d.HostNote)
	}
	fmt.Fprintln(&b)
	fmt.Fprintln(&b)
	for _, h := range d.wireHeaders() {
		fmt.Fprintf(&b, "%s: %s\n", h.Name, h.Value)
	}
	fmt.Fprintln(&b)
	if d.token() {
		hdr, claims := d.JWTParts()
		src := d.KeySource
		if src == "" {
			src = "the key in " + d.KeyFile
		}
		fmt.Fprintf(&b, "JWT (ES256, signed with %s when sent; one token is reused for %d minutes, never one per push):\n",
			src, token.TokenTimeout/60)
		fmt.Fprintf(&b, "  header:    %s\n  claims:    %s\n  signature: <signature redacted>\n", hdr, claims)
	} else {
		fmt.Fprintf(&b, "client certificate %s: %q, topic %s, %s, expires %s\n", d.CertFile, d.Cert.Subject, orNone(d.Cert.BundleID),
			d.Cert.Environments(), d.Cert.NotAfter.UTC().Format("2006-01-02"))
	}
	fmt.Fprintln(&b)
	limit := PayloadLimit(r.PushType)
	fmt.Fprintf(&b, "payload: %d bytes of the %d allowed for %s pushes\n", len(r.Payload), limit, r.PushType)
	b.WriteString(pretty(r.Payload))
	fmt.Fprintln(&b)
	fmt.Fprintln(&b, "curl:")
	fmt.Fprintln(&b, d.Curl())
	_, err := io.WriteString(w, b.String())
	return err
}

// wireHeaders are the pseudo-headers, then the request's headers with the
// JWT replaced by a placeholder.
func (d DryRun) wireHeaders() []Header {
	r := d.Request
	auth := ""
	if d.token() {
		auth = jwtPlaceholder
	}
	hs := []Header{{":method", "POST"}, {":scheme", "https"}, {":authority", r.Authority()}, {":path", r.Path()}}
	return append(hs, r.Headers(auth)...)
}

// Curl is the same push as a curl command. The JWT is $JWT, to be minted as
// in docs/push.md; a certificate's password is $CERT_PASSWORD.
func (d DryRun) Curl() string {
	r := d.Request
	lines := []string{"curl -v --http2"}
	if d.CAFile != "" {
		lines = append(lines, "--cacert "+shellQuote(d.CAFile))
	}
	if !d.token() {
		lines = append(lines, "--cert-type P12 --cert "+shellQuote(d.CertFile)+`:"$CERT_PASSWORD"`)
	}
	for _, h := range r.Headers("") {
		if h.Name == "authorization" {
			continue
		}
		lines = append(lines, "-H "+shellQuote(h.Name+": "+h.Value))
	}
	if d.token() {
		lines = append(lines, `-H "authorization: bearer $JWT"`)
	}
	lines = append(lines, "--data-binary "+shellQuote(string(r.Payload)), shellQuote(r.Host+r.Path()))
	return strings.Join(lines, " \\\n  ")
}

// DryRunJSON is --dry-run --json: stable lower-case keys.
type DryRunJSON struct {
	Method       string          `json:"method"`
	URL          string          `json:"url"`
	Headers      []HeaderJSON    `json:"headers"`
	JWTHeader    json.RawMessage `json:"jwt_header,omitempty"`
	JWTClaims    json.RawMessage `json:"jwt_claims,omitempty"`
	Certificate  string          `json:"certificate,omitempty"`
	Payload      json.RawMessage `json:"payload"`
	PayloadBytes int             `json:"payload_bytes"`
	PayloadLimit int             `json:"payload_limit"`
	Curl         string          `json:"curl"`
}

// HeaderJSON is one header in DryRunJSON.
type HeaderJSON struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// JSON is the dry run as DryRunJSON.
func (d DryRun) JSON() DryRunJSON {
	r := d.Request
	out := DryRunJSON{Method: "POST", URL: r.Host + r.Path(), Payload: json.RawMessage(r.Payload),
		PayloadBytes: len(r.Payload), PayloadLimit: PayloadLimit(r.PushType), Curl: d.Curl()}
	if !json.Valid(r.Payload) {
		out.Payload, _ = json.Marshal(string(r.Payload))
	}
	for _, h := range d.wireHeaders() {
		out.Headers = append(out.Headers, HeaderJSON(h))
	}
	if d.token() {
		h, c := d.JWTParts()
		out.JWTHeader, out.JWTClaims = json.RawMessage(h), json.RawMessage(c)
	} else {
		out.Certificate = d.CertFile
	}
	return out
}

func pretty(p []byte) string {
	var buf bytes.Buffer
	if json.Indent(&buf, p, "", "  ") != nil {
		return string(p) + "\n"
	}
	return buf.String() + "\n"
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// shellQuote quotes s for a POSIX shell: single quotes, with any single
// quote written as '\”.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@%+,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// ResolveAPNs maps --apns and --port to a base URL: sandbox and production
// are Apple's hosts on port (443 or 2197; 0 means 443), a URL is taken as
// given and may not be combined with a port of another value.
func ResolveAPNs(apns string, port int) (string, error) {
	base, err := ResolveHost(apns)
	if err != nil {
		return "", err
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return "", fmt.Errorf("apns URL %q: want https://HOST[:PORT] with no path", apns)
	}
	if Environment(base) != "" {
		switch port {
		case 0, 443:
			return base, nil
		case 2197:
			return base + ":2197", nil
		}
		return "", fmt.Errorf("port %d: APNs listens on 443 and 2197 only", port)
	}
	if port != 0 {
		if u.Port() != "" {
			return "", fmt.Errorf("port %d with a URL that has its own port (%s): give one", port, u.Port())
		}
		u.Host = u.Host + fmt.Sprint(":", port)
		return u.String(), nil
	}
	return base, nil
}
