// Package tomlfile decodes callscope's TOML files (device profiles, scenario
// files, configs) strictly: every error names the file, the line and the
// field, and a key the program does not know is an error, never ignored.
package tomlfile

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"
)

var typeErr = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]+)"\): (.*)$`)

// DecodeFile reads and decodes path into v.
func DecodeFile(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, errors.Unwrap(err))
	}
	return Decode(path, b, v)
}

// Decode decodes data (read from name) into v.
func Decode(name string, data []byte, v any) error {
	md, err := toml.Decode(string(data), v)
	if err != nil {
		var pe toml.ParseError
		if ppe := (*toml.ParseError)(nil); errors.As(err, &ppe) {
			pe = *ppe
		}
		if pe.Position.Line > 0 || errors.As(err, &pe) {
			msg := strings.TrimPrefix(pe.Message, "toml: ")
			if pe.LastKey != "" {
				return fmt.Errorf("%s:%d: field %s: %s", name, pe.Position.Line, pe.LastKey, msg)
			}
			return fmt.Errorf("%s:%d: %s", name, pe.Position.Line, msg)
		}
		// Type errors come as plain strings with the line and key inside.
		if m := typeErr.FindStringSubmatch(err.Error()); m != nil {
			return fmt.Errorf("%s:%s: field %s: %s", name, m[1], m[2], m[3])
		}
		return fmt.Errorf("%s: %v", name, strings.TrimPrefix(err.Error(), "toml: "))
	}
	if und := md.Undecoded(); len(und) > 0 {
		k := und[0].String()
		return fmt.Errorf("%s:%d: unknown field %s", name, lineOf(data, und[0]), k)
	}
	return checkUnits(name, data, md, v)
}

// lineOf finds the line where a key is written: BurntSushi keeps positions
// for syntax errors only.
func lineOf(data []byte, k toml.Key) int {
	last := k[len(k)-1]
	table := ""
	if len(k) > 1 {
		table = strings.Join(k[:len(k)-1], ".")
	}
	cur := ""
	for i, line := range strings.Split(string(data), "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "[") {
			cur = strings.Trim(t, "[] ")
			if cur == strings.Join(k, ".") {
				return i + 1
			}
			continue
		}
		name, _, ok := strings.Cut(t, "=")
		if ok && strings.Trim(strings.TrimSpace(name), `"'`) == last && (cur == table || table == "") {
			return i + 1
		}
	}
	return 0
}
