// Package themes holds the screen's palettes: semantic colour tokens (accent,
// ok, warn, fail, muted, one colour per lane) with a dark and a light variant
// each. The terminal's colour profile (NO_COLOR, 256 colours, true colour) is
// applied by the renderer; a Theme only names colours.
package themes

import (
	"fmt"
	"image/color"
	"strings"

	"charm.land/lipgloss/v2"
)

// Theme is one palette for dark or light backgrounds.
type Theme struct {
	Name   string
	Text   color.Color
	Muted  color.Color
	Accent color.Color
	OK     color.Color
	Warn   color.Color
	Fail   color.Color
	Ring   color.Color
	Lanes  [5]color.Color // sender, server, apns, extension, callkit
}

type pair struct{ dark, light string }

type palette struct {
	name                                      string
	text, muted, accent, ok, warn, fail, ring pair
	lanes                                     [5]pair
}

var palettes = []palette{
	{
		name: "dusk", text: pair{"#E6E1F5", "#2A2540"}, muted: pair{"#7C7794", "#8A85A0"},
		accent: pair{"#B9A6FF", "#5A3FC0"}, ok: pair{"#7BD88F", "#1F8A3B"}, warn: pair{"#F2C46D", "#9A6A00"},
		fail: pair{"#FF7A8A", "#C0243A"}, ring: pair{"#6FD3FF", "#0A6FA8"},
		lanes: [5]pair{{"#B9A6FF", "#5A3FC0"}, {"#6FD3FF", "#0A6FA8"}, {"#F2C46D", "#9A6A00"}, {"#7BD88F", "#1F8A3B"}, {"#FF9ECF", "#B0306F"}},
	},
	{
		name: "harbor", text: pair{"#DDE6EE", "#1D2A33"}, muted: pair{"#6B7D8A", "#7A8A96"},
		accent: pair{"#4FC1E9", "#00628C"}, ok: pair{"#A0D468", "#3C7A10"}, warn: pair{"#FFCE54", "#8C6400"},
		fail: pair{"#ED5565", "#B0202E"}, ring: pair{"#48CFAD", "#00795F"},
		lanes: [5]pair{{"#4FC1E9", "#00628C"}, {"#AC92EC", "#5B3DB5"}, {"#FFCE54", "#8C6400"}, {"#48CFAD", "#00795F"}, {"#EC87C0", "#A3286C"}},
	},
	{
		name: "mono", text: pair{"#E0E0E0", "#202020"}, muted: pair{"#808080", "#707070"},
		accent: pair{"#FFFFFF", "#000000"}, ok: pair{"#C8C8C8", "#303030"}, warn: pair{"#E0E0E0", "#202020"},
		fail: pair{"#FFFFFF", "#000000"}, ring: pair{"#FFFFFF", "#000000"},
		lanes: [5]pair{{"#E0E0E0", "#202020"}, {"#E0E0E0", "#202020"}, {"#E0E0E0", "#202020"}, {"#E0E0E0", "#202020"}, {"#E0E0E0", "#202020"}},
	},
}

// Names lists the built-in themes; the first is the default.
func Names() []string {
	out := make([]string, len(palettes))
	for i, p := range palettes {
		out[i] = p.name
	}
	return out
}

// Get returns a theme by name ("" is the default) for a dark or light background.
func Get(name string, dark bool) (Theme, error) {
	if name == "" {
		name = palettes[0].name
	}
	for _, p := range palettes {
		if p.name == name {
			return p.theme(dark), nil
		}
	}
	return Theme{}, fmt.Errorf("unknown theme %q (want %s)", name, strings.Join(Names(), ", "))
}

// Next returns the theme after name, wrapping around.
func Next(name string) string {
	for i, p := range palettes {
		if p.name == name {
			return palettes[(i+1)%len(palettes)].name
		}
	}
	return palettes[0].name
}

func (p palette) theme(dark bool) Theme {
	c := func(x pair) color.Color {
		return lipgloss.LightDark(dark)(lipgloss.Color(x.light), lipgloss.Color(x.dark))
	}
	t := Theme{Name: p.name, Text: c(p.text), Muted: c(p.muted), Accent: c(p.accent), OK: c(p.ok), Warn: c(p.warn),
		Fail: c(p.fail), Ring: c(p.ring)}
	for i, l := range p.lanes {
		t.Lanes[i] = c(l)
	}
	return t
}
