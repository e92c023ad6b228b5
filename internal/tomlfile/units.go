package tomlfile

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

var durationType = reflect.TypeFor[time.Duration]()

// tomlInt is a TOML integer literal: decimal with optional sign and
// underscores, or hex, octal or binary.
var tomlInt = regexp.MustCompile(`^([+-]?[0-9][0-9_]*|0x[0-9A-Fa-f_]+|0o[0-7_]+|0b[01_]+)$`)

// NoUnit is the complaint about a duration written as a bare number, e.g.
// "6 has no unit (write 6s)". BurntSushi/toml decodes `nse_startup = 6`
// into 6 ns, which nobody means; a duration is written with its unit.
func NoUnit(literal string) string {
	n, err := strconv.ParseInt(strings.ReplaceAll(literal, "_", ""), 0, 64)
	if err != nil {
		return literal + " has no unit (write it as a string with one, e.g. \"6s\")"
	}
	return fmt.Sprintf("%s has no unit (write %ds)", literal, n)
}

// checkUnits refuses every time.Duration in v that data sets with a bare
// integer, naming the file, the key's line and the key.
func checkUnits(name string, data []byte, md toml.MetaData, v any) error {
	root := reflect.TypeOf(v)
	count := map[string]int{} // occurrences so far: [[tables]] repeat keys
	for _, k := range md.Keys() {
		ks := k.String()
		nth := count[ks]
		count[ks]++
		if fieldType(root, k) != durationType {
			continue
		}
		line, lit := keyAt(data, k, nth)
		switch {
		case line > 0 && tomlInt.MatchString(lit):
			return fmt.Errorf("%s:%d: %s: %s", name, line, ks, NoUnit(lit))
		case line == 0 && md.Type(k...) == "Integer":
			// Written where a line scan cannot see it (an inline table).
			return fmt.Errorf("%s: %s: a number has no unit (write it as a string with one, e.g. \"6s\")", name, ks)
		}
	}
	return nil
}

// fieldType is the Go type that key k decodes into within t, or nil.
func fieldType(t reflect.Type, k toml.Key) reflect.Type {
	for _, part := range k {
		t = elem(t)
		switch t.Kind() {
		case reflect.Map:
			t = t.Elem()
		case reflect.Struct:
			if t = structField(t, part); t == nil {
				return nil
			}
		default:
			return nil
		}
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// elem looks through pointers, slices and arrays: an array of tables
// is keyed without its index.
func elem(t reflect.Type) reflect.Type {
	for {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array:
			t = t.Elem()
		default:
			return t
		}
	}
}

// structField finds the field BurntSushi/toml decodes key into: by tag, by
// name ignoring case, or promoted from an embedded struct.
func structField(t reflect.Type, key string) reflect.Type {
	var folded reflect.Type
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() && !f.Anonymous {
			continue
		}
		tag, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		switch {
		case tag == "-":
			continue
		case tag == key:
			return f.Type
		case tag == "" && f.Anonymous && elem(f.Type).Kind() == reflect.Struct:
			if ft := structField(elem(f.Type), key); ft != nil {
				return ft
			}
		case tag == "" && f.Name == key:
			return f.Type
		case tag == "" && folded == nil && strings.EqualFold(f.Name, key):
			folded = f.Type
		}
	}
	return folded
}

// keyAt finds the nth line (from 0) that sets key k, as people write TOML:
// one key per line under [table] or [[table]] headers, possibly dotted. It
// returns the 1-based line and the value as written, without a comment.
func keyAt(data []byte, k toml.Key, nth int) (int, string) {
	want := k.String()
	table := ""
	for i, line := range strings.Split(string(data), "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "[") {
			table = strings.TrimSpace(strings.Trim(t, "[]"))
			continue
		}
		name, val, ok := strings.Cut(t, "=")
		if !ok {
			continue
		}
		full := dotted(name)
		if table != "" {
			full = dotted(table) + "." + full
		}
		if full != want {
			continue
		}
		if nth--; nth >= 0 {
			continue
		}
		val, _, _ = strings.Cut(val, "#")
		return i + 1, strings.TrimSpace(val)
	}
	return 0, ""
}

// dotted normalises a written key or table name ("a . \"b\"") to a.b.
func dotted(s string) string {
	parts := strings.Split(s, ".")
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), `"'`)
	}
	return toml.Key(parts).String()
}
