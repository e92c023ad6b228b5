package tomlfile

import (
	"strings"
	"testing"
	"time"
)

type sample struct {
	Name  string        `toml:"name"`
	Wait  time.Duration `toml:"wait"`
	Count int           `toml:"count"`
	Inner struct {
		On bool `toml:"on"`
	} `toml:"inner"`
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name, in, err string
	}{
		{"ok", "name = \"x\"\nwait = \"30s\"\ncount = 2\n[inner]\non = true\n", ""},
		{"unknown top-level key", "name = \"x\"\n\nnmae = \"y\"\n", "f.toml:3: unknown field nmae"},
		{"unknown nested key", "[inner]\non = true\noff = 1\n", "f.toml:3: unknown field inner.off"},
		{"wrong type", "name = \"x\"\ncount = \"two\"\n", "f.toml:2: field count"},
		{"bad duration", "wait = \"soon\"\n", "f.toml:1: field wait"},
		{"syntax", "name = \n", "f.toml:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s sample
			err := Decode("f.toml", []byte(tt.in), &s)
			if tt.err == "" {
				if err != nil || s.Wait != 30*time.Second || !s.Inner.On {
					t.Fatalf("%v %+v", err, s)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("error %v, want %q", err, tt.err)
			}
		})
	}
	if err := DecodeFile("/nonexistent/p.toml", &sample{}); err == nil || !strings.HasPrefix(err.Error(), "/nonexistent/p.toml: ") {
		t.Fatalf("missing file: %v", err)
	}
}
