package device

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/callscope/callscope/internal/tomlfile"
)

// FieldError is a profile value that is well-typed but wrong.
type FieldError struct {
	Field string // the TOML key, e.g. nse_budget
	Msg   string
}

func (e *FieldError) Error() string { return "field " + e.Field + ": " + e.Msg }

// LoadProfile reads a TOML profile over the defaults: keys left out keep
// their default values. Errors name the file, line and field; unknown keys
// are errors.
func LoadProfile(path string) (Profile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Profile{}, fmt.Errorf("%s: %w", path, errors.Unwrap(err))
	}
	return ParseProfile(path, b)
}

// ParseProfile is LoadProfile for data already read from name.
func ParseProfile(name string, data []byte) (Profile, error) {
	p := DefaultProfile()
	if err := tomlfile.Decode(name, data, &p); err != nil {
		return Profile{}, err
	}
	if err := p.Validate(); err != nil {
		return Profile{}, At(name, data, "", err)
	}
	return p, nil
}

// At places a Validate error in a TOML file: "name:line: field …". table is
// the table the profile's keys sit in ("" for a profile file, e.g.
// "scenario.profile" inside a scenario file, where the first match after
// the start offset is taken).
func At(name string, data []byte, table string, err error) error {
	var fe *FieldError
	if !errors.As(err, &fe) {
		return fmt.Errorf("%s: %w", name, err)
	}
	if line := KeyLine(data, table, fe.Field); line > 0 {
		return fmt.Errorf("%s:%d: %w", name, line, err)
	}
	// The value came from the defaults, not from the file.
	return fmt.Errorf("%s: %w", name, err)
}

// KeyLine returns the 1-based line where key is set inside table ("" for
// the top level), or 0. It reads TOML as people write profiles: one key per
// line, tables in [brackets]; BurntSushi/toml keeps no positions for
// decoded keys.
func KeyLine(data []byte, table, key string) int {
	cur := ""
	for i, line := range bytes.Split(data, []byte("\n")) {
		t := strings.TrimSpace(string(line))
		if strings.HasPrefix(t, "[") {
			cur = strings.TrimSpace(strings.Trim(t, "[]"))
			continue
		}
		k, _, ok := strings.Cut(t, "=")
		if ok && cur == table && strings.Trim(strings.TrimSpace(k), `"'`) == key {
			return i + 1
		}
	}
	return 0
}

// Set changes one profile parameter from a KEY=VALUE flag (--device-set),
// with the keys and value syntax of a profile file. A bare word is taken as
// a string, so nse_budget=10s and environment=production need no quotes.
// The profile is left unchanged when the result would not validate.
func (p *Profile) Set(kv string) error {
	key, val, ok := strings.Cut(kv, "=")
	key, val = strings.TrimSpace(key), strings.TrimSpace(val)
	if !ok || key == "" {
		return fmt.Errorf("%q: want KEY=VALUE with a profile key, e.g. nse_budget=10s", kv)
	}
	idx, known := profileFields[key]
	if !known {
		return fmt.Errorf("%s: unknown profile key (known: %s)", key, strings.Join(ProfileKeys(), ", "))
	}
	// Decode into a zero profile and copy the one field: a list given
	// replaces the old one, as in a file.
	var one Profile
	md, err := toml.Decode(key+" = "+val, &one)
	if err != nil {
		if _, qerr := toml.Decode(key+" = "+strconv.Quote(val), &one); qerr != nil {
			return &FieldError{Field: key, Msg: fmt.Sprintf("%q: %s", val, strings.TrimPrefix(qerr.Error(), "toml: "))}
		}
	} else if md.Type(key) == "Integer" && reflect.TypeFor[Profile]().Field(idx).Type == reflect.TypeFor[time.Duration]() {
		return &FieldError{Field: key, Msg: tomlfile.NoUnit(val)}
	}
	next := *p
	reflect.ValueOf(&next).Elem().Field(idx).Set(reflect.ValueOf(one).Field(idx))
	if err := next.Validate(); err != nil {
		return err
	}
	*p = next
	return nil
}

// profileFields maps Profile's TOML keys to field indexes.
var profileFields = func() map[string]int {
	m := map[string]int{}
	t := reflect.TypeFor[Profile]()
	for i := range t.NumField() {
		if k := t.Field(i).Tag.Get("toml"); k != "" {
			m[k] = i
		}
	}
	return m
}()

// ProfileKeys lists the keys a profile file or --device-set accepts, sorted.
func ProfileKeys() []string {
	out := make([]string, 0, len(profileFields))
	for k := range profileFields {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
