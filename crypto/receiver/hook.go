package receiver

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/callscope/callscope/crypto/envelope"
)

// Decryptor opens an envelope of a format callscope does not know: it gets
// the envelope (the "vpe" value of the push, or the whole payload) and
// returns the plaintext JSON of docs/envelope.md.
type Decryptor interface {
	Decrypt(ctx context.Context, envelope []byte) ([]byte, error)
}

// Command is the --decrypt-cmd hook: a program that reads the envelope on
// stdin and writes the plaintext on stdout, exiting 0; any other exit is an
// authentication failure whose message is the program's first stderr line.
// Argv is run directly (no shell), so a path with spaces needs no quoting
// games and nothing is interpolated.
type Command struct {
	Argv    []string
	Timeout time.Duration // 0: 10 s, well inside the NSE's 30 s budget
}

// ParseCommand splits a --decrypt-cmd value on spaces.
func ParseCommand(s string) (*Command, error) {
	argv := strings.Fields(s)
	if len(argv) == 0 {
		return nil, errors.New("--decrypt-cmd is empty")
	}
	if _, err := exec.LookPath(argv[0]); err != nil {
		return nil, fmt.Errorf("--decrypt-cmd: %w", err)
	}
	return &Command{Argv: argv}, nil
}

// Decrypt runs the program once.
func (c *Command) Decrypt(ctx context.Context, env []byte) ([]byte, error) {
	t := c.Timeout
	if t == 0 {
		t = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, t)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Argv[0], c.Argv[1:]...)
	cmd.Stdin = bytes.NewReader(env)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		msg, _, _ := strings.Cut(strings.TrimSpace(errb.String()), "\n")
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("%s: %s", c.Argv[0], msg)
	}
	return out.Bytes(), nil
}

// openWith is Open for a Decryptor: the VPE1 header checks do not apply to
// a foreign format, so it runs parse (JSON), the decryptor in place of
// steps 2–6, then freshness from the plaintext's sent_ms (the ttl is
// unknown: envelope.MaxTTL), replay on the plaintext's nonce when it has
// one, and the schema.
func (r *run) openWith(raw []byte) (*Opened, error) {
	if !json.Valid(raw) {
		return nil, r.fail("parse", CodeParse, "envelope is not JSON", "")
	}
	r.pass("parse", CodeParse, fmt.Sprintf("%d bytes to the decrypt command", len(raw)))
	ctx := r.cfg.Context
	if ctx == nil {
		ctx = context.Background()
	}
	pt, err := r.cfg.Decrypt.Decrypt(ctx, raw)
	if err != nil {
		return nil, r.fail("aead", CodeAuth, "decrypt command failed: "+err.Error(), "the team's decryptor could not open it")
	}
	r.pass("aead", CodeAuth, "opened by the decrypt command")
	p, err := envelope.DecodePlaintext(pt)
	if err != nil {
		return nil, r.fail("payload", CodePayload, "decrypt command's output is not JSON: "+err.Error(), "")
	}
	if p.SentMS <= 0 {
		// Without the envelope's ts the plaintext's sent_ms is the only
		// clock there is; freshness (E_EXPIRED) is not optional.
		return nil, r.fail("fresh", CodeExpired, "the decrypt command's plaintext has no sent_ms: freshness cannot be checked",
			"have the decryptor pass sent_ms through (docs/envelope.md, the plaintext)")
	}
	// A stand-in header from the plaintext lets steps 8–9 run unchanged.
	h := &envelope.Envelope{V: envelope.Version, TS: p.SentMS, TTL: envelope.MaxTTL, KID: make([]byte, 8)}
	if n, err := base64.RawURLEncoding.DecodeString(p.Nonce); err == nil && len(n) == envelope.NonceSize {
		h.Nonce = n
	} else if r.cfg.Replay != nil {
		return nil, r.fail("replay", CodeReplay, "the plaintext has no 16-byte nonce to check replays with", "")
	}
	o, err := r.finish(h, nil, pt, p)
	if o != nil {
		o.Envelope = nil
	}
	return o, err
}
