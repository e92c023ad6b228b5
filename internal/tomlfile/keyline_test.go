package tomlfile

import (
	"testing"

	"github.com/BurntSushi/toml"
)

func TestKeyLine(t *testing.T) {
	data := []byte(`top = 1
# a comment
[profiles.staging]
apns = "sandbox"
"quoted key" = 2
devices = { alice = "ab", bob = "cd" }

[profiles."with.dot"]
a.b = 3
long = """
one
two"""
`)
	for _, tc := range []struct {
		key  toml.Key
		line int
	}{
		{toml.Key{"top"}, 1},
		{toml.Key{"profiles", "staging"}, 3},
		{toml.Key{"profiles", "staging", "apns"}, 4},
		{toml.Key{"profiles", "staging", "quoted key"}, 5},
		{toml.Key{"profiles", "staging", "devices", "bob"}, 6},
		{toml.Key{"profiles", "with.dot", "a", "b"}, 9},
		{toml.Key{"profiles", "with.dot", "long"}, 10},
		{toml.Key{"profiles", "nosuch"}, 0},
		{toml.Key{}, 0},
	} {
		if got := KeyLine(data, tc.key); got != tc.line {
			t.Errorf("KeyLine(%s) = %d, want %d", tc.key, got, tc.line)
		}
	}
	if got := KeyLine([]byte("a = = 1"), toml.Key{"a"}); got != 0 {
		t.Errorf("KeyLine on a syntax error = %d, want 0", got)
	}
}
