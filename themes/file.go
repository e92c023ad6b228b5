package themes

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/callscope/callscope/internal/tomlfile"
)

// fileDoc is a theme file as written (docs/themes.md). Every key is
// optional; what it leaves out comes from base.
type fileDoc struct {
	Name   string `toml:"name"`
	Base   string `toml:"base"`
	Colors struct {
		Text   string `toml:"text"`
		Muted  string `toml:"muted"`
		Accent string `toml:"accent"`
		OK     string `toml:"ok"`
		Warn   string `toml:"warn"`
		Fail   string `toml:"fail"`
	} `toml:"colors"`
	Stages struct {
		Sender    string `toml:"sender"`
		Server    string `toml:"server"`
		APNs      string `toml:"apns"`
		Extension string `toml:"extension"`
		CallKit   string `toml:"callkit"`
	} `toml:"stages"`
}

// fileTheme is a checked theme file: its colours over its base's.
type fileTheme struct {
	name string
	base string // a built-in; "" follows the background like the default
	over palette
}

func (f *fileTheme) theme(dark bool) Theme {
	b := builtins[1] // light
	if dark {
		b = builtins[0]
	}
	if f.base != "" {
		b, _ = find(f.base)
	}
	p := b.light
	if dark {
		p = b.dark
	}
	return p.with(f.over).theme(f.name)
}

// with is p with the colours o sets.
func (p palette) with(o palette) palette {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&p.text, o.text)
	set(&p.muted, o.muted)
	set(&p.accent, o.accent)
	set(&p.ok, o.ok)
	set(&p.warn, o.warn)
	set(&p.fail, o.fail)
	for i := range p.stages {
		set(&p.stages[i], o.stages[i])
	}
	return p
}

// loadFile reads and checks a theme file. Every error names the file, the
// line and the field: an unknown key, a value that is not a colour, a base
// that is not a built-in, a failure colour that is a stage's.
func loadFile(path string) (*fileTheme, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseFile(path, data)
}

func parseFile(path string, data []byte) (*fileTheme, error) {
	var d fileDoc
	if err := tomlfile.Decode(path, data, &d); err != nil {
		return nil, err
	}
	bad := func(key toml.Key, format string, a ...any) error {
		return fmt.Errorf("%s:%d: field %s: %s", path, tomlfile.KeyLine(data, key), key, fmt.Sprintf(format, a...))
	}
	f := &fileTheme{name: strings.TrimSpace(d.Name), base: d.Base}
	if f.name == "" {
		f.name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	if d.Base != "" {
		if _, ok := find(d.Base); !ok {
			return nil, bad(toml.Key{"base"}, "%q is not a built-in theme (want %s)", d.Base, strings.Join(Names(), ", "))
		}
	}
	c, s := d.Colors, d.Stages
	for _, v := range []struct {
		key []string
		in  string
		out *string
	}{
		{[]string{"colors", "text"}, c.Text, &f.over.text},
		{[]string{"colors", "muted"}, c.Muted, &f.over.muted},
		{[]string{"colors", "accent"}, c.Accent, &f.over.accent},
		{[]string{"colors", "ok"}, c.OK, &f.over.ok},
		{[]string{"colors", "warn"}, c.Warn, &f.over.warn},
		{[]string{"colors", "fail"}, c.Fail, &f.over.fail},
		{[]string{"stages", "sender"}, s.Sender, &f.over.stages[0]},
		{[]string{"stages", "server"}, s.Server, &f.over.stages[1]},
		{[]string{"stages", "apns"}, s.APNs, &f.over.stages[2]},
		{[]string{"stages", "extension"}, s.Extension, &f.over.stages[3]},
		{[]string{"stages", "callkit"}, s.CallKit, &f.over.stages[4]},
	} {
		if v.in == "" {
			continue
		}
		norm, ok := ParseColor(v.in)
		if !ok {
			return nil, bad(v.key, "%q is not a colour (want \"#RRGGBB\", \"#RGB\" or an ANSI colour number \"0\" to \"255\")", v.in)
		}
		*v.out = norm
	}
	// Failure must stand apart from every stage on either background: a
	// failed stage is drawn in the failure colour beside the others.
	for _, dark := range []bool{true, false} {
		t := f.theme(dark)
		for i, sc := range t.Stages {
			if !sameColor(t.Fail, sc) {
				continue
			}
			key := toml.Key{"stages", StageKeys[i]}
			if f.over.fail != "" {
				key = toml.Key{"colors", "fail"}
			}
			return nil, bad(key, "the failure colour is also stage %s's: failures must stand apart from every stage", StageKeys[i])
		}
	}
	return f, nil
}

// ParseColor checks a colour as written in a theme file and returns it
// normalised ("#abc" is "#AABBCC").
func ParseColor(s string) (string, bool) {
	if n, err := strconv.Atoi(s); err == nil {
		return s, n >= 0 && n <= 255 && s == strconv.Itoa(n)
	}
	h, ok := strings.CutPrefix(s, "#")
	if !ok || (len(h) != 3 && len(h) != 6) {
		return "", false
	}
	if _, err := strconv.ParseUint(h, 16, 32); err != nil {
		return "", false
	}
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	return "#" + strings.ToUpper(h), true
}

func sameColor(a, b interface{ RGBA() (r, g, b, a uint32) }) bool {
	r1, g1, b1, _ := a.RGBA()
	r2, g2, b2, _ := b.RGBA()
	return r1 == r2 && g1 == g2 && b1 == b2
}
