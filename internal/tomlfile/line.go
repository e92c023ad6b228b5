package tomlfile

import "github.com/BurntSushi/toml"

// Line is the line where the key (table names, then the key) is written, or
// 0: for errors found after decoding, which BurntSushi/toml gives no
// position for.
func Line(data []byte, key ...string) int {
	if len(key) == 0 {
		return 0
	}
	return lineOf(data, toml.Key(key))
}
