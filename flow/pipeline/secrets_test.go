package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/device"
)

// secretPatterns are what must never leave the process: a signed JWT (every
// JOSE header starts eyJ), a PEM private key, an Authorization header value.
var secretPatterns = []*regexp.Regexp{
	regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.`),
	regexp.MustCompile(`PRIVATE KEY`),
	regexp.MustCompile(`(?i)bearer [A-Za-z0-9_-]`),
}

// reducedAuth is the authorization header as a trace keeps it.
var reducedAuth = regexp.MustCompile(`bearer eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.` + regexp.QuoteMeta(flow.SignatureRedacted))

// TestNoSecretsInOutputOrTrace runs send as the CLI does, with --json and
// --record, for calls and messages, and scans everything it wrote.
func TestNoSecretsInOutputOrTrace(t *testing.T) {
	for _, kind := range []flow.Kind{flow.KindCall, flow.KindMessage} {
		for _, asJSON := range []bool{true, false} {
			t.Run(string(kind)+map[bool]string{true: "-json", false: "-table"}[asJSON], func(t *testing.T) {
				rec := filepath.Join(t.TempDir(), "trace.jsonl")
				var out bytes.Buffer
				ok, err := RunSend(context.Background(), SendOptions{Count: 4, Concurrency: 2, Kind: kind, JSON: asJSON,
					Answer: device.AnswerAuto, Record: rec}, &out)
				if err != nil || !ok {
					t.Fatalf("send: ok=%v err=%v\n%s", ok, err, out.String())
				}
				fi, err := os.Stat(rec)
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != 0o600 {
					t.Errorf("trace file mode %v, want 0600", fi.Mode().Perm())
				}
				trace, err := os.ReadFile(rec)
				if err != nil {
					t.Fatal(err)
				}
				lines := 0
				sc := bufio.NewScanner(bytes.NewReader(trace))
				sc.Buffer(nil, 1<<20)
				for sc.Scan() {
					lines++
					var e map[string]any
					if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
						t.Fatalf("trace line %d is not JSON: %v", lines, err)
					}
				}
				if lines < 4*5 {
					t.Fatalf("only %d trace lines for 4 requests", lines)
				}
				// The push on record keeps the JWT's header and claims, never its
				// signature (docs/trace-format.md): that form is allowed, and
				// only that form.
				trace = reducedAuth.ReplaceAll(trace, []byte("[reduced authorization]"))
				for _, re := range secretPatterns {
					if loc := re.FindIndex(trace); loc != nil {
						t.Errorf("trace holds a secret (%s): …%s…", re, trace[max(0, loc[0]-40):min(len(trace), loc[1]+20)])
					}
					if re.Match(out.Bytes()) {
						t.Errorf("output holds a secret (%s)", re)
					}
				}
			})
		}
	}
}
