// Package config reads callscope's config file: named profiles of what a
// push needs (endpoint, environment, topic, device tokens, key paths), so
// that `callscope push --profile staging` stands for a dozen flags. Secrets
// never sit in the file: keys are named by path, passwords by env:NAME or
// file:PATH, and a literal one is an error naming its file, line and field.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/callscope/callscope/internal/tomlfile"
)

// Value is one value as written: kept raw so that a value of the wrong
// type is one problem among others, not the end of reading the file.
type Value struct {
	raw any
	set bool
}

// UnmarshalTOML keeps the value for the checks.
func (v *Value) UnmarshalTOML(x any) error {
	v.raw, v.set = x, true
	return nil
}

// IsSet says whether the file sets the value.
func (v *Value) IsSet() bool { return v != nil && v.set }

// Text is the value if it is a string.
func (v *Value) Text() (string, bool) {
	if !v.IsSet() {
		return "", false
	}
	s, ok := v.raw.(string)
	return s, ok
}

// Profile is one [profiles.NAME] table. Each field is described in
// Fields, in the same order.
type Profile struct {
	Name           string            `toml:"-"`
	APNs           Value             `toml:"apns"`
	Port           Value             `toml:"port"`
	Environment    Value             `toml:"environment"`
	Topic          Value             `toml:"topic"`
	DeviceToken    Value             `toml:"device_token"`
	AuthKey        Value             `toml:"auth_key"`
	KeyID          Value             `toml:"key_id"`
	TeamID         Value             `toml:"team_id"`
	Cert           Value             `toml:"cert"`
	CertPassword   Value             `toml:"cert_password"`
	CA             Value             `toml:"ca"`
	Server         Value             `toml:"server"`
	ServerTemplate Value             `toml:"server_template"`
	Ingest         Value             `toml:"ingest"`
	Devices        map[string]*Value `toml:"devices"`
}

// document is the whole file.
type document struct {
	DefaultProfile Value               `toml:"default_profile"`
	Profiles       map[string]*Profile `toml:"profiles"`
}

// File is a config file read and checked for its structure: it parses,
// its keys are known and its tables are tables.
type File struct {
	Path           string
	DefaultProfile string
	Profiles       map[string]*Profile
	data           []byte
	problems       []Problem
}

// ErrNotFound is a config file that is not there.
var ErrNotFound = errors.New("no such file")

// Load reads path. The error is for a file that cannot be read; what is
// wrong inside it is in Problems.
func Load(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w", path, ErrNotFound)
		}
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return Parse(path, b), nil
}

// Parse reads data, named path in every problem.
func Parse(path string, data []byte) *File {
	f := &File{Path: path, data: data, Profiles: map[string]*Profile{}}
	var raw map[string]any
	md, err := toml.Decode(string(data), &raw)
	if err != nil {
		f.problems = append(f.problems, f.parseProblem(err))
		return f
	}
	// A table written as a value (or the reverse) would stop the decoder
	// at its first such key; finding them first keeps every problem.
	if !f.tablesAreTables(md, raw) {
		return f
	}
	var doc document
	md, err = toml.Decode(string(data), &doc)
	if err != nil {
		f.problems = append(f.problems, f.parseProblem(err))
		return f
	}
	var unknown []toml.Key
	for _, k := range md.Undecoded() {
		// An unknown table's keys are unknown too: name the table once.
		if slices.ContainsFunc(unknown, func(u toml.Key) bool { return isPrefix(u, k) }) {
			continue
		}
		unknown = append(unknown, k)
		f.add(k, "unknown field%s", suggest(k))
	}
	if doc.DefaultProfile.IsSet() {
		name, ok := doc.DefaultProfile.Text()
		if !ok {
			f.add(toml.Key{"default_profile"}, "want a profile's name, a string; got %s", typeName(doc.DefaultProfile.raw))
		}
		f.DefaultProfile = name
	}
	for name, p := range doc.Profiles {
		p.Name = name
		f.Profiles[name] = p
	}
	if f.DefaultProfile != "" && f.Profiles[f.DefaultProfile] == nil {
		f.add(toml.Key{"default_profile"}, "no profile %q in this file (%s)", f.DefaultProfile, f.names())
	}
	return f
}

// tablesAreTables reports the keys that must be tables and are not.
func (f *File) tablesAreTables(md toml.MetaData, raw map[string]any) bool {
	ok := true
	want := func(k toml.Key) {
		if t := md.Type(k...); t != "" && t != "Hash" {
			f.add(k, "want a table ([%s]); got %s", k, strings.ToLower(t))
			ok = false
		}
	}
	want(toml.Key{"profiles"})
	if profiles, isMap := raw["profiles"].(map[string]any); isMap {
		for name := range profiles {
			want(toml.Key{"profiles", name})
			want(toml.Key{"profiles", name, "devices"})
		}
	}
	return ok
}

// parseProblem names the line and key of a syntax or type error.
func (f *File) parseProblem(err error) Problem {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return Problem{File: f.Path, Line: pe.Position.Line, Field: pe.LastKey, Msg: strings.TrimPrefix(pe.Message, "toml: ")}
	}
	return Problem{File: f.Path, Msg: strings.TrimPrefix(err.Error(), "toml: ")}
}

// Problems are what is wrong with the file's structure: syntax, unknown
// keys, tables, the default profile. Check adds the values' problems.
func (f *File) Problems() []Problem { return sortProblems(f.problems) }

// Profile is the profile name, or the default profile for "", or nil
// when name is "" and the file names no default.
func (f *File) Profile(name string) (*Profile, error) {
	if name == "" {
		name = f.DefaultProfile
		if name == "" {
			return nil, nil
		}
	}
	p := f.Profiles[name]
	if p == nil {
		return nil, fmt.Errorf("no profile %q in %s (%s)", name, f.Path, f.names())
	}
	return p, nil
}

// names lists the profiles for a message.
func (f *File) names() string {
	if len(f.Profiles) == 0 {
		return "it has none"
	}
	var ns []string
	for n := range f.Profiles {
		ns = append(ns, n)
	}
	slices.Sort(ns)
	return "it has " + strings.Join(ns, ", ")
}

// Names are the profiles' names, sorted.
func (f *File) Names() []string {
	var ns []string
	for n := range f.Profiles {
		ns = append(ns, n)
	}
	slices.Sort(ns)
	return ns
}

// Line is where key was written, 0 if nowhere.
func (f *File) Line(k toml.Key) int { return tomlfile.KeyLine(f.data, k) }

// add records a problem at key k.
func (f *File) add(k toml.Key, format string, a ...any) {
	f.problems = append(f.problems, f.problemAt(k, format, a...))
}

func (f *File) problemAt(k toml.Key, format string, a ...any) Problem {
	return Problem{File: f.Path, Line: f.Line(k), Field: k.String(), Msg: fmt.Sprintf(format, a...)}
}

// suggest names the known key an unknown one was likely meant to be.
func suggest(k toml.Key) string {
	last := fold(k[len(k)-1])
	if len(k) == 1 {
		if last == fold("default_profile") {
			return " (did you mean default_profile?)"
		}
		return " (the file takes default_profile and [profiles.NAME] tables)"
	}
	if len(k) != 3 || k[0] != "profiles" {
		return ""
	}
	for _, fd := range Fields {
		if fold(fd.Key) == last {
			return fmt.Sprintf(" (did you mean %s?)", fd.Key)
		}
	}
	return " (" + knownKeys() + ")"
}

// fold makes auth-key, authKey and auth_key alike.
func fold(s string) string {
	return strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(s))
}

func knownKeys() string {
	var ks []string
	for _, fd := range Fields {
		ks = append(ks, fd.Key)
	}
	return "a profile takes " + strings.Join(ks, ", ") + ", and a [devices] table"
}

// typeName is a TOML value's type in words.
func typeName(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case map[string]any:
		return "a table"
	case []map[string]any:
		return "an array of tables"
	case []any:
		return "an array"
	}
	return "a date or time"
}

// path resolves a path value: ~ is the home directory, and a relative path
// is relative to the config file's directory, so the file works wherever
// callscope is run from.
func (f *File) path(v string) string {
	if v == "~" || strings.HasPrefix(v, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			v = filepath.Join(home, strings.TrimPrefix(v, "~"))
		}
	}
	if !filepath.IsAbs(v) {
		v = filepath.Join(filepath.Dir(f.Path), v)
	}
	return v
}

func isPrefix(p, k toml.Key) bool {
	return len(p) < len(k) && slices.Equal(p, k[:len(p)])
}
