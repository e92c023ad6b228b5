package trace

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callscope/callscope/flow"
)

// TestPlaintextFieldOnlyWhenAsked: the decrypted request a device lane
// carries (Event.Plaintext) is dropped from a trace unless the recorder
// keeps plaintext (--record-plaintext); kept, it loads back as it was.
func TestPlaintextFieldOnlyWhenAsked(t *testing.T) {
	pt := json.RawMessage(`{"type":"call.invite","call_uuid":"C1","caller":{"handle":"alice@example.org"},"text":"meet at 5"}`)
	e := flow.Event{TraceID: "a", Stage: flow.StageExtension, Name: "decrypted", Plaintext: pt}
	for _, keep := range []bool{false, true} {
		var buf bytes.Buffer
		rec := NewRecorder(&buf)
		rec.Plaintext = keep
		rec.Emit(e)
		if err := rec.Close(); err != nil {
			t.Fatal(err)
		}
		if has := strings.Contains(buf.String(), "meet at 5") || strings.Contains(buf.String(), `"plaintext"`); has != keep {
			t.Fatalf("Plaintext=%v: plaintext in the trace %v: %s", keep, has, buf.String())
		}
		path := filepath.Join(t.TempDir(), "t.jsonl")
		if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		evs, err := Load(path, func(le *LineError) { t.Errorf("line: %v", le) })
		if err != nil || len(evs) != 1 {
			t.Fatalf("load: %v, %d events", err, len(evs))
		}
		if got := string(evs[0].Plaintext); keep && got != string(pt) || !keep && got != "" {
			t.Fatalf("Plaintext=%v: loaded %q", keep, got)
		}
	}
}
