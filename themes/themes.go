// Package themes holds the screen's palettes: semantic colours (text, muted,
// accent, ok, warn, fail) and one colour per stage, which the screen uses for
// that stage everywhere (list, ladder, events, waterfall, inspect). Failure
// has its own colour, apart from every stage's, and the screen pairs it with
// a symbol (✗) so that it reads without colour too. The terminal's colour
// profile (256 colours, true colour) is applied by the renderer; NO_COLOR
// is read here (NoColor) and applied by the screen.
package themes

import (
	"fmt"
	"image/color"
	"os"
	"strings"

	"charm.land/lipgloss/v2"
)

// StageKeys name the stage colours in flow.Stages order (the ladder's lanes,
// left to right); theme files use them as keys of [stages].
var StageKeys = [5]string{"sender", "server", "apns", "extension", "callkit"}

// Theme is one palette, resolved for a background.
type Theme struct {
	Name                                string
	Text, Muted, Accent, OK, Warn, Fail color.Color
	// Stages are the stages' colours in StageKeys order. Ringing is CallKit's.
	Stages [5]color.Color
}

// palette is a theme as written: hex colours by role.
type palette struct {
	text, muted, accent, ok, warn, fail string
	stages                              [5]string
}

// builtin is a built-in theme: one palette for dark backgrounds, one for
// light; dark and light are the same palette on either.
type builtin struct {
	name, about string
	dark, light palette
}

var darkPalette = palette{
	text: "#E6E1F5", muted: "#8A859E", accent: "#B9A6FF", ok: "#7BD88F", warn: "#F5E05E", fail: "#FF5555",
	stages: [5]string{"#A78BFA", "#5FC8FF", "#FF9E64", "#2DD4BF", "#FF8FD8"},
}

var lightPalette = palette{
	text: "#2A2540", muted: "#6E6A80", accent: "#5A3FC0", ok: "#1F7A35", warn: "#7A6A00", fail: "#C8102E",
	stages: [5]string{"#6A3FD0", "#1D4ED8", "#C05000", "#00857A", "#A3287C"},
}

var builtins = []builtin{
	{name: "dark", about: "for dark backgrounds", dark: darkPalette, light: darkPalette},
	{name: "light", about: "for light backgrounds", dark: lightPalette, light: lightPalette},
	{name: "high-contrast", about: "pure, saturated colours on black or white (follows the background)",
		dark: palette{text: "#FFFFFF", muted: "#D0D0D0", accent: "#FFFFFF", ok: "#00FF00", warn: "#FFD700", fail: "#FF2020",
			stages: [5]string{"#87AFFF", "#00FFFF", "#FF8700", "#00D7AF", "#FF5FFF"}},
		light: palette{text: "#000000", muted: "#303030", accent: "#000000", ok: "#006400", warn: "#5F5F00", fail: "#D70000",
			stages: [5]string{"#5F00D7", "#005FD7", "#AF5F00", "#008787", "#AF0087"}},
	},
	{name: "harbor", about: "muted sea colours (follows the background)",
		dark: palette{text: "#DDE6EE", muted: "#7F909C", accent: "#4FC1E9", ok: "#A0D468", warn: "#FFE066", fail: "#F0504F",
			stages: [5]string{"#4FC1E9", "#AC92EC", "#FF9F43", "#48CFAD", "#F29BD0"}},
		light: palette{text: "#1D2A33", muted: "#5E6E7A", accent: "#00628C", ok: "#3C7A10", warn: "#7D6608", fail: "#C0182A",
			stages: [5]string{"#1F4E99", "#5B3DB5", "#B85400", "#00897B", "#A3286C"}},
	},
}

// Names lists the built-in themes.
func Names() []string {
	out := make([]string, len(builtins))
	for i, b := range builtins {
		out[i] = b.name
	}
	return out
}

// About is a built-in theme's one-line description, "" for an unknown name.
func About(name string) string {
	if b, ok := find(name); ok {
		return b.about
	}
	return ""
}

func find(name string) (builtin, bool) {
	for _, b := range builtins {
		if b.name == name {
			return b, true
		}
	}
	return builtin{}, false
}

// Choice is what --theme chose: nothing (dark or light by the terminal's
// background), a built-in, or a theme file, read and checked once.
type Choice struct {
	name string // a built-in; "" with file == nil: follow the background
	file *fileTheme
}

// Choose reads --theme: "" follows the terminal's background, a built-in
// name picks it, anything else is a theme file (docs/themes.md). Errors name
// the file, line and field.
func Choose(arg string) (Choice, error) {
	if arg == "" {
		return Choice{}, nil
	}
	if _, ok := find(arg); ok {
		return Choice{name: arg}, nil
	}
	if !looksLikeFile(arg) {
		return Choice{}, fmt.Errorf("unknown theme %q (want %s, or a theme file: docs/themes.md)", arg, strings.Join(Names(), ", "))
	}
	f, err := loadFile(arg)
	if err != nil {
		return Choice{}, err
	}
	return Choice{file: f}, nil
}

// looksLikeFile: a path, a .toml name, or a file that exists. A mistyped
// built-in name ("drak") is then "unknown theme", not "no such file".
func looksLikeFile(arg string) bool {
	if strings.ContainsAny(arg, `/\`) || strings.HasSuffix(arg, ".toml") {
		return true
	}
	_, err := os.Stat(arg)
	return err == nil
}

// Theme resolves the choice for a dark or light background.
func (c Choice) Theme(dark bool) Theme {
	switch {
	case c.file != nil:
		return c.file.theme(dark)
	case c.name != "":
		b, _ := find(c.name)
		return b.theme(dark)
	}
	return auto(dark)
}

// Name is what the header shows: the built-in, the file's theme name, or
// the built-in the background chose.
func (c Choice) Name(dark bool) string { return c.Theme(dark).Name }

// Next is the built-in after this one (the t key), wrapping around; from
// the background's choice or a file, the first built-in not shown now.
func (c Choice) Next(dark bool) Choice {
	cur := c.Name(dark)
	for i, b := range builtins {
		if b.name == cur && c.file == nil {
			return Choice{name: builtins[(i+1)%len(builtins)].name}
		}
	}
	n := builtins[0].name
	if n == cur {
		n = builtins[1].name
	}
	return Choice{name: n}
}

// Get returns a built-in theme by name ("" follows the background).
func Get(name string, dark bool) (Theme, error) {
	if name == "" {
		return auto(dark), nil
	}
	b, ok := find(name)
	if !ok {
		return Theme{}, fmt.Errorf("unknown theme %q (want %s)", name, strings.Join(Names(), ", "))
	}
	return b.theme(dark), nil
}

func auto(dark bool) Theme {
	if dark {
		return builtins[0].theme(true)
	}
	return builtins[1].theme(false)
}

func (b builtin) theme(dark bool) Theme {
	p := b.light
	if dark {
		p = b.dark
	}
	return p.theme(b.name)
}

func (p palette) theme(name string) Theme {
	t := Theme{Name: name, Text: col(p.text), Muted: col(p.muted), Accent: col(p.accent), OK: col(p.ok),
		Warn: col(p.warn), Fail: col(p.fail)}
	for i, s := range p.stages {
		t.Stages[i] = col(s)
	}
	return t
}

func col(s string) color.Color { return lipgloss.Color(s) }

// NoColor reports whether NO_COLOR asks for no colour (https://no-color.org:
// set and not empty).
func NoColor() bool { return os.Getenv("NO_COLOR") != "" }
