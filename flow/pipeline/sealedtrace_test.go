package pipeline

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"sync"
	"testing"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/crypto/receiver"
	"github.com/callscope/callscope/flow"
)

// sealedTraces is a decryptor that opens VPE1 with the callee's own key, as
// a real phone's NSE does, and keeps the trace id it finds inside.
type sealedTraces struct {
	p      **Pipeline
	mu     sync.Mutex
	traces []string
}

func (s *sealedTraces) Decrypt(_ context.Context, env []byte) ([]byte, error) {
	d := (*s.p).callees[0]
	tok, _ := hex.DecodeString(d.Token)
	o, err := receiver.Open(env, receiver.Config{Ring: d.Ring, DeviceToken: tok, Signers: d.Signers})
	if err != nil {
		return nil, err
	}
	// What a phone's decoder sees: the JSON, trace_id or call_uuid.
	var pt envelope.Plaintext
	_ = json.Unmarshal(o.Raw, &pt)
	s.mu.Lock()
	s.traces = append(s.traces, envelope.TraceIDOf(pt))
	s.mu.Unlock()
	return o.Raw, nil
}

// TestTraceIDSealed: the request's trace id is inside the sealed plaintext
// (call_uuid is the trace id as a UUID), so a real phone that opens the
// envelope posts its events under the sender's call (docs/ingest-swift.md).
func TestTraceIDSealed(t *testing.T) {
	for _, kind := range []flow.Kind{flow.KindCall, flow.KindMessage} {
		t.Run(string(kind), func(t *testing.T) {
			var p *Pipeline
			st := &sealedTraces{p: &p}
			p = newPipeline(t, func(c *Config) { c.Decrypt = st })
			req := p.Compose()
			req.Kind = kind
			c := p.Place(context.Background(), req)
			if !c.Outcome.Succeeded() {
				t.Fatalf("outcome %s (%v)", c.Outcome, c.Diag)
			}
			st.mu.Lock()
			defer st.mu.Unlock()
			if len(st.traces) == 0 {
				t.Fatal("the NSE opened nothing")
			}
			for _, got := range st.traces {
				if got != c.TraceID {
					t.Fatalf("sealed trace_id %q, want the call's %q", got, c.TraceID)
				}
			}
		})
	}
}
