// Package ansisvg draws a terminal screen — text with ANSI SGR colour codes,
// one line a row, as a Bubble Tea View renders it — as an SVG image: the
// README's picture of the screen is made from a real run with it
// (internal/screenshot), not drawn by hand.
package ansisvg

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Options size and colour the picture.
type Options struct {
	Cols, Rows int
	// FG and BG are the terminal's default colours, "#rrggbb".
	FG, BG string
	// FontSize in pixels; zero is 14.
	FontSize float64
	// Title is the image's accessible name.
	Title string
}

// style is one cell's SGR state.
type style struct {
	fg, bg                               string // "" is the default
	bold, faint, italic, under, reversed bool
}

// run is consecutive cells of one style on one row.
type run struct {
	col  int
	text string
	st   style
}

// Render draws screen as SVG.
func Render(screen string, o Options) []byte {
	if o.FontSize == 0 {
		o.FontSize = 14
	}
	cw, lh := o.FontSize*0.6, o.FontSize*1.3
	w, h := float64(o.Cols)*cw+2*cw, float64(o.Rows)*lh+lh
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.1f %.1f" role="img" aria-label="%s">`+"\n",
		w, h, w, h, esc(o.Title))
	fmt.Fprintf(&b, "<title>%s</title>\n", esc(o.Title))
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" rx="6" fill="%s"/>`+"\n", o.BG)
	fmt.Fprintf(&b, `<g font-family="ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace" font-size="%.0f" fill="%s" xml:space="preserve">`+"\n",
		o.FontSize, o.FG)
	for row, line := range strings.Split(screen, "\n") {
		if row >= o.Rows {
			break
		}
		y := lh/2 + float64(row)*lh
		for _, r := range runs(line) {
			fg, bg := r.st.fg, r.st.bg
			if r.st.reversed {
				fg, bg = or(bg, o.BG), or(fg, o.FG)
			}
			x := cw + float64(r.col)*cw
			width := float64(ansi.StringWidth(r.text)) * cw
			if bg != "" {
				fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`+"\n", x, y, width, lh, bg)
			}
			if strings.TrimSpace(r.text) == "" {
				continue
			}
			attrs := ""
			if fg != "" {
				attrs += ` fill="` + fg + `"`
			}
			if r.st.bold {
				attrs += ` font-weight="bold"`
			}
			if r.st.faint {
				attrs += ` opacity="0.6"`
			}
			if r.st.italic {
				attrs += ` font-style="italic"`
			}
			if r.st.under {
				attrs += ` text-decoration="underline"`
			}
			// Each run placed at its column, its width fixed: a font whose
			// box-drawing or symbol glyphs are not one cell wide cannot
			// push the rest of the row out of line.
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" dy="0.8em" textLength="%.1f" lengthAdjust="spacingAndGlyphs"%s>%s</text>`+"\n",
				x, y, width, attrs, esc(r.text))
		}
	}
	b.WriteString("</g>\n</svg>\n")
	return []byte(b.String())
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// runs splits a line into runs of one style, by cell column.
func runs(line string) []run {
	var out []run
	var st style
	var cur strings.Builder
	col, start := 0, 0
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, run{col: start, text: cur.String(), st: st})
			cur.Reset()
		}
		start = col
	}
	for i := 0; i < len(line); {
		if line[i] == 0x1b {
			n, params, final := escape(line[i:])
			i += n
			if final == 'm' {
				next := sgr(st, params)
				if next != st {
					flush()
					st = next
				}
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(line[i:])
		i += size
		if r < 0x20 {
			continue
		}
		cur.WriteRune(r)
		col += ansi.StringWidth(string(r))
	}
	flush()
	return out
}

// escape measures the escape sequence at the start of s: its length, and
// for a CSI its parameters and final byte (0 for anything else, skipped).
func escape(s string) (n int, params string, final byte) {
	if len(s) < 2 {
		return len(s), "", 0
	}
	switch s[1] {
	case '[':
		for j := 2; j < len(s); j++ {
			if c := s[j]; c >= 0x40 && c <= 0x7e {
				return j + 1, s[2:j], c
			}
		}
		return len(s), "", 0
	case ']', 'P', '_', '^': // OSC, DCS, APC, PM: up to BEL or ST
		for j := 2; j < len(s); j++ {
			if s[j] == 0x07 {
				return j + 1, "", 0
			}
			if s[j] == 0x1b && j+1 < len(s) && s[j+1] == '\\' {
				return j + 2, "", 0
			}
		}
		return len(s), "", 0
	}
	return 2, "", 0
}

// sgr applies Select Graphic Rendition parameters.
func sgr(st style, params string) style {
	if params == "" {
		return style{}
	}
	var ps []string
	for _, p := range strings.Split(params, ";") {
		ps = append(ps, strings.Split(p, ":")...)
	}
	num := func(i int) int {
		if i >= len(ps) {
			return -1
		}
		n, err := strconv.Atoi(ps[i])
		if err != nil {
			return 0
		}
		return n
	}
	for i := 0; i < len(ps); i++ {
		switch n := num(i); {
		case n == 0:
			st = style{}
		case n == 1:
			st.bold = true
		case n == 2:
			st.faint = true
		case n == 3:
			st.italic = true
		case n == 4:
			st.under = true
		case n == 7:
			st.reversed = true
		case n == 22:
			st.bold, st.faint = false, false
		case n == 23:
			st.italic = false
		case n == 24:
			st.under = false
		case n == 27:
			st.reversed = false
		case n >= 30 && n <= 37:
			st.fg = basic[n-30]
		case n >= 90 && n <= 97:
			st.fg = basic[n-90+8]
		case n >= 40 && n <= 47:
			st.bg = basic[n-40]
		case n >= 100 && n <= 107:
			st.bg = basic[n-100+8]
		case n == 39:
			st.fg = ""
		case n == 49:
			st.bg = ""
		case n == 38 || n == 48:
			c, used := extended(ps[i+1:], num, i+1)
			i += used
			if n == 38 {
				st.fg = c
			} else {
				st.bg = c
			}
		}
	}
	return st
}

// extended reads a 38/48 colour: 5;n (the 256 palette) or 2;r;g;b (with
// an empty colour-space id after 2 when colons separated them).
func extended(rest []string, num func(int) int, at int) (string, int) {
	if len(rest) == 0 {
		return "", 0
	}
	switch rest[0] {
	case "5":
		return palette(num(at + 1)), 2
	case "2":
		skip := 0
		if len(rest) >= 5 && rest[1] == "" {
			skip = 1
		}
		r, g, b := num(at+1+skip), num(at+2+skip), num(at+3+skip)
		return fmt.Sprintf("#%02x%02x%02x", clamp(r), clamp(g), clamp(b)), 4 + skip
	}
	return "", 1
}

func clamp(n int) int { return min(max(n, 0), 255) }

// basic are the 16 ANSI colours (xterm's).
var basic = [16]string{"#000000", "#cd0000", "#00cd00", "#cdcd00", "#0000ee", "#cd00cd", "#00cdcd", "#e5e5e5",
	"#7f7f7f", "#ff0000", "#00ff00", "#ffff00", "#5c5cff", "#ff00ff", "#00ffff", "#ffffff"}

// palette is xterm's 256-colour palette.
func palette(n int) string {
	switch {
	case n < 0 || n > 255:
		return ""
	case n < 16:
		return basic[n]
	case n < 232:
		n -= 16
		lv := func(v int) int {
			if v == 0 {
				return 0
			}
			return 55 + v*40
		}
		return fmt.Sprintf("#%02x%02x%02x", lv(n/36), lv(n/6%6), lv(n%6))
	}
	g := 8 + (n-232)*10
	return fmt.Sprintf("#%02x%02x%02x", g, g, g)
}

func esc(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	return r.Replace(s)
}
