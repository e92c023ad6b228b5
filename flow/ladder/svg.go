package ladder

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/callscope/callscope/flow"
)

// Title names a call in one line: kind, trace id, call UUID, who called whom.
func Title(c flow.Call) string {
	parts := []string{}
	if c.Kind != "" {
		parts = append(parts, string(c.Kind))
	}
	parts = append(parts, "trace "+c.TraceID)
	if c.CallID != "" {
		parts = append(parts, "call "+c.CallID)
	}
	if c.From != "" || c.To != "" {
		parts = append(parts, c.From+" → "+c.To)
	}
	if !c.Started.IsZero() {
		parts = append(parts, c.Started.UTC().Format("2006-01-02 15:04:05.000Z"))
	}
	return strings.Join(parts, " · ")
}

// SVG geometry, in user units (pixels at 100 %).
const (
	laneW   = 170
	rowH    = 30
	titleH  = 26
	gap     = 24
	svgPad  = 10
	fontPx  = 12
	svgFont = "ui-monospace, Menlo, Consolas, monospace" // system fonts only
)

// lane colours follow the screen's lane order (sender … callkit).
var laneColour = [...]string{"#4f7cac", "#6a9a48", "#b07a2a", "#8a5cad", "#2a8f8f"}

// WriteSVG draws the ladders one under the other as a standalone SVG
// document: lines and text only, no scripts, no external fonts or images.
func WriteSVG(w io.Writer, ls []Ladder) error {
	bw := bufio.NewWriter(w)
	// Monospace glyphs are 0.6 em wide: the widest line sets the width.
	width := svgPad*2 + laneW*len(flow.Stages)
	height := svgPad
	for _, l := range ls {
		height += blockHeight(l) + gap
		for _, line := range append([]string{Title(l.Call), l.Outcome + " · " + l.End}, l.Notes...) {
			width = max(width, svgPad*2+utf8.RuneCountInString(line)*fontPx*6/10+fontPx)
		}
	}
	fmt.Fprintf(bw, `<?xml version="1.0" encoding="UTF-8"?>`+"\n")
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="%s" font-size="%d">`+"\n",
		width, height, width, height, svgFont, fontPx)
	// One arrowhead per lane colour: SVG 1.1 renderers know no context-stroke.
	fmt.Fprint(bw, "<defs>")
	for i, c := range laneColour {
		fmt.Fprintf(bw, `<marker id="arrow%d" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="%s"/></marker>`, i, c)
	}
	fmt.Fprintln(bw, "</defs>")
	fmt.Fprintf(bw, `<rect width="100%%" height="100%%" fill="#ffffff"/>`+"\n")
	y := svgPad
	for _, l := range ls {
		l.svg(bw, svgPad, y)
		y += blockHeight(l) + gap
	}
	fmt.Fprintln(bw, `</svg>`)
	return bw.Flush()
}

func blockHeight(l Ladder) int {
	return titleH + rowH + rowH*len(l.Hops) + rowH*(len(l.Notes)+1)
}

func (l Ladder) svg(w io.Writer, x0, y0 int) {
	center := func(i int) int { return x0 + i*laneW + laneW/2 }
	fmt.Fprintf(w, `<g class="call">`+"\n")
	text(w, x0, y0+fontPx+4, "start", "#222222", `font-weight="bold"`, Title(l.Call))
	top := y0 + titleH
	bottom := top + rowH + rowH*len(l.Hops)
	for i, s := range flow.Stages {
		text(w, center(i), top+fontPx+6, "middle", laneColour[i], `font-weight="bold"`, s.Title())
		fmt.Fprintf(w, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999999" stroke-width="1"/>`+"\n", center(i), top+rowH-4, center(i), bottom)
	}
	for i, h := range l.Hops {
		y := top + rowH + i*rowH + rowH/2
		last := i == len(l.Hops)-1
		switch {
		case h.Kind == None:
		case last:
			colour := laneColour[len(flow.Stages)-1]
			if h.Kind == Failed {
				colour = "#c0392b"
			}
			text(w, center(i)-6, y+4, "end", colour, "", h.Label)
		case h.Kind == Failed, h.Kind == Pending:
			colour := "#c0392b"
			if h.Kind == Pending {
				colour = "#777777"
			}
			text(w, center(i)+6, y+4, "start", colour, "", h.Label)
		default:
			dash := ""
			switch h.Kind {
			case Instant:
				dash = ` stroke-dasharray="2 3"`
			case Cross:
				dash = ` stroke-dasharray="6 4"`
			}
			label := h.Label
			if h.Kind == Cross {
				label = firstFit(h.Labels, laneW/7)
			}
			fmt.Fprintf(w, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="1.5"%s marker-end="url(#arrow%d)"/>`+"\n",
				center(i)+2, y+6, center(i+1)-2, y+6, laneColour[i], dash, i)
			text(w, (center(i)+center(i+1))/2, y, "middle", laneColour[i], "", label)
		}
	}
	y := bottom + fontPx + 6
	for _, n := range l.Notes {
		text(w, x0, y, "start", "#666666", "", n)
		y += rowH
	}
	end := l.Outcome
	if l.End != "" {
		end += " · " + l.End
	}
	colour := "#222222"
	if l.Call.Outcome == flow.OutcomeFailed {
		colour = "#c0392b"
	}
	text(w, x0, y, "start", colour, `font-weight="bold"`, end)
	fmt.Fprintln(w, `</g>`)
}

func text(w io.Writer, x, y int, anchor, fill, extra, s string) {
	if extra != "" {
		extra = " " + extra
	}
	fmt.Fprintf(w, `<text x="%d" y="%d" text-anchor="%s" fill="%s"%s>`, x, y, anchor, fill, extra)
	_ = xml.EscapeText(w, []byte(s))
	fmt.Fprintln(w, `</text>`)
}
