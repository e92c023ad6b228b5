package device

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestDurationsNeedAUnit: a profile duration written as a bare number is
// refused with the file, the key's line and the fix (BurntSushi/toml would
// take it as nanoseconds), in every duration field and in --device-set.
func TestDurationsNeedAUnit(t *testing.T) {
	dir := t.TempDir()
	load := func(t *testing.T, body string) error {
		t.Helper()
		path := filepath.Join(dir, "p.toml")
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := LoadProfile(path)
		return err
	}
	p := filepath.Join(dir, "p.toml")
	tests := []struct{ name, body, err string }{
		{"the issue's example", "nse_startup = 6\n", p + ":1: nse_startup: 6 has no unit (write 6s)"},
		{"the key's line", "model = \"iPhone 15\"\n\n# slow init\nnse_startup = 6 # seconds\n", p + ":4: nse_startup: 6 has no unit (write 6s)"},
		{"zero", "ring_timeout = 0\n", p + ":1: ring_timeout: 0 has no unit (write 0s)"},
		{"underscores", "answer_after = 1_500\n", p + ":1: answer_after: 1_500 has no unit (write 1500s)"},
		{"with a unit", "nse_startup = \"6s\"\nring_timeout = \"0s\"\n", ""},
	}
	// Every duration field of a profile.
	pt := reflect.TypeFor[Profile]()
	for i := range pt.NumField() {
		f := pt.Field(i)
		if key := f.Tag.Get("toml"); f.Type == reflect.TypeFor[time.Duration]() {
			tests = append(tests, struct{ name, body, err string }{key, key + " = 6\n", p + ":1: " + key + ": 6 has no unit (write 6s)"})
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := load(t, tt.body)
			switch {
			case tt.err == "" && err != nil:
				t.Fatal(err)
			case tt.err != "" && (err == nil || err.Error() != tt.err):
				t.Fatalf("error %v\nwant  %s", err, tt.err)
			}
		})
	}
	t.Run("--device-set", func(t *testing.T) {
		prof := DefaultProfile()
		err := prof.Set("nse_startup=6")
		if err == nil || !strings.HasSuffix(err.Error(), "nse_startup: 6 has no unit (write 6s)") {
			t.Fatalf("error %v, want nse_startup: 6 has no unit (write 6s)", err)
		}
		if prof.NSEStartup != DefaultProfile().NSEStartup {
			t.Fatalf("a refused setting changed the profile: %s", prof.NSEStartup)
		}
	})
}
