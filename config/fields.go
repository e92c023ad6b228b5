package config

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// kind is how a field's value is written and handed on.
type kind int

const (
	text   kind = iota // a string, handed on as written
	path               // a file: ~ and relative paths resolved
	number             // an integer
	secret             // env:NAME or file:PATH, never the secret itself
)

// Field is one key a profile takes.
type Field struct {
	Key  string
	Kind kind
	Doc  string // one line, for docs and messages
	get  func(*Profile) *Value
}

// Fields are the keys of a profile, in the order docs/config.md lists them.
var Fields = []Field{
	{"apns", text, "where pushes go: mock, sandbox, production, or an https:// URL", func(p *Profile) *Value { return &p.APNs }},
	{"port", number, "APNs port: 443 or 2197", func(p *Profile) *Value { return &p.Port }},
	{"environment", text, "the APNs environment the app is built for: sandbox or production", func(p *Profile) *Value { return &p.Environment }},
	{"topic", text, "apns-topic: the bundle id, plus .voip etc. for those push types", func(p *Profile) *Value { return &p.Topic }},
	{"device_token", text, "the device token in hex, or a name from [profiles.NAME.devices]", func(p *Profile) *Value { return &p.DeviceToken }},
	{"auth_key", path, "token auth: the .p8 file's path", func(p *Profile) *Value { return &p.AuthKey }},
	{"key_id", text, "token auth: the key's 10-character id", func(p *Profile) *Value { return &p.KeyID }},
	{"team_id", text, "token auth: the 10-character team id", func(p *Profile) *Value { return &p.TeamID }},
	{"cert", path, "certificate auth: the .p12 file's path", func(p *Profile) *Value { return &p.Cert }},
	{"cert_password", secret, "the .p12's password: env:NAME or file:PATH", func(p *Profile) *Value { return &p.CertPassword }},
	{"ca", path, "a CA (PEM) to trust instead of the system's, for an https:// URL", func(p *Profile) *Value { return &p.CA }},
	{"server", text, "a team's provider server's base URL", func(p *Profile) *Value { return &p.Server }},
	{"server_template", path, "the request template (TOML) for server", func(p *Profile) *Value { return &p.ServerTemplate }},
	{"ingest", text, "the address the screen accepts events on, e.g. 127.0.0.1:4318", func(p *Profile) *Value { return &p.Ingest }},
}

// field finds a field by key.
func field(key string) (Field, bool) {
	for _, fd := range Fields {
		if fd.Key == key {
			return fd, true
		}
	}
	return Field{}, false
}

// Setting is one profile value as a flag takes it.
type Setting struct {
	Key   string // the profile's key, e.g. auth_key
	Value string // paths resolved; cert_password as env:NAME or file:/abs/path
	Field string // the full key, e.g. profiles.staging.auth_key
	Line  int
}

// Origin names where the setting was written, for messages.
func (s Setting) Origin(file string) string {
	if s.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", file, s.Line, s.Field)
	}
	return file + ": " + s.Field
}

// Setting is key's value in p, if p sets it. A value of the wrong type
// is not a setting: CheckKeys reports it. environment, when not set, is
// that of apns = "sandbox" or "production".
func (f *File) Setting(p *Profile, key string) (Setting, bool) {
	fd, ok := field(key)
	if !ok || p == nil {
		return Setting{}, false
	}
	v := fd.get(p)
	if !v.IsSet() && key == "environment" {
		// Apple's host names the environment, unless the profile says.
		ep, _ := p.APNs.Text()
		if env := apnsEnvironment(ep); env != "" {
			k := toml.Key{"profiles", p.Name, "apns"}
			return Setting{Key: key, Value: env, Field: k.String(), Line: f.Line(k)}, true
		}
	}
	if !v.IsSet() {
		return Setting{}, false
	}
	k := toml.Key{"profiles", p.Name, key}
	s := Setting{Key: key, Field: k.String(), Line: f.Line(k)}
	switch x := v.raw.(type) {
	case int64:
		if fd.Kind != number {
			return Setting{}, false
		}
		s.Value = strconv.FormatInt(x, 10)
	case string:
		if fd.Kind == number {
			return Setting{}, false
		}
		s.Value = x
	default:
		return Setting{}, false
	}
	switch {
	case fd.Kind == path && s.Value != "":
		s.Value = f.path(s.Value)
	case fd.Kind == secret && strings.HasPrefix(s.Value, "file:"):
		s.Value = "file:" + f.path(strings.TrimPrefix(s.Value, "file:"))
	case key == "device_token":
		if hex, ok := p.Device(s.Value); ok {
			s.Value = hex
		}
	}
	return s, true
}

// IsSet says whether p sets key, whatever the value's type.
func (p *Profile) IsSet(key string) bool {
	fd, ok := field(key)
	return ok && p != nil && fd.get(p).IsSet()
}

// Device is the token of the profile's device name.
func (p *Profile) Device(name string) (string, bool) {
	if p == nil {
		return "", false
	}
	v, ok := p.Devices[name].Text()
	if !ok {
		return "", false
	}
	return strings.ToLower(v), true
}

// Problem is one thing wrong in a config file.
type Problem struct {
	File    string
	Line    int    // 0 when the parser cannot tell
	Field   string // the full key, e.g. profiles.staging.key_id
	Msg     string
	Warning bool // worth fixing, but not wrong
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	if p.Field != "" {
		b.WriteString(": " + p.Field)
	}
	if p.Warning {
		b.WriteString(": warning")
	}
	b.WriteString(": " + p.Msg)
	return b.String()
}

func (p Problem) Error() string { return p.String() }
