package scenario

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callscope/callscope/flow"
)

// TestFileDefaults: a scenario file may leave out any key and the defaults
// apply: a name from the file, a description, the default iPhone (and
// distinct names for extra devices), a call, a clean run expected, any
// stage when only a code is expected.
func TestFileDefaults(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, body string
		names      []string // loaded scenario names
		want       string   // error, "" = loads and runs as declared
	}{
		{name: "bare table", body: "[[scenario]]\n", names: []string{"cases-1"}},
		{name: "two bare tables", body: "[[scenario]]\n[[scenario]]\nvideo = true\n", names: []string{"cases-1", "cases-2"}},
		{name: "extra devices without names", body: "[[scenario]]\n[[scenario.extra_device]]\nanswer = \"ignore\"\n[[scenario.extra_device]]\nanswer = \"ignore\"\n",
			names: []string{"cases-1"}},
		{name: "a code without a stage or outcome", body: "[[scenario]]\n[scenario.expect]\ncode = \"CALL_FILTERED\"\n[scenario.profile]\ndo_not_disturb = true\n",
			names: []string{"cases-1"}},
		{name: "a mock fault", body: "[[scenario]]\n[scenario.expect]\ncode = \"DELIVERED_LATE\"\n[scenario.apns]\ndelay = [\"alert=20s\"]\n[scenario.profile]\nfreshness_limit = \"10s\"\n",
			names: []string{"cases-1"}},
		{name: "a bad mock fault names its line", body: "[[scenario]]\n[scenario.apns]\ndelay = [\"20\"]\n",
			want: "cases.toml:3: scenario 1 (cases-1): field apns.delay: \"20\": 20 has no unit (write 20s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_"))
			if err := os.Mkdir(sub, 0o700); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(sub, "cases.toml")
			if err := os.WriteFile(p, []byte(tt.body), 0o600); err != nil {
				t.Fatal(err)
			}
			ss, err := LoadFile(p)
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("error %v, want %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(ss) != len(tt.names) {
				t.Fatalf("%d scenarios, want %d", len(ss), len(tt.names))
			}
			for i, s := range ss {
				if s.Name != tt.names[i] || s.Description == "" || s.Kind != flow.KindCall {
					t.Fatalf("scenario %d: %+v", i, s)
				}
				if r := Run(context.Background(), s); !r.Pass() {
					t.Fatalf("%s: %s %v\n%s", s.Name, r.Mismatch(), r.Err, dump(r.Events))
				}
			}
			if _, err := NewLibrary(ss...); err != nil {
				t.Fatal(err)
			}
		})
	}
}
