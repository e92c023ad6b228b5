package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Names in the call list are short, and must never read as someone else's:
// alice@example.org → bob@example.xyz is not "alice→bob", which is what a
// call between two people of example.org reads as. Only the home domain
// (homeDomain) is left out; a handle elsewhere keeps "@…" at least, and the
// selected call's title has both handles in full.

// homeDomain is the domain most handles of the calls at idx share: the one
// the list leaves out. Ties go to the first in sort order, so that the list
// does not flicker between them; "" when no handle has a domain.
func (m Model) homeDomain(idx []int) string {
	n := map[string]int{}
	for _, i := range idx {
		c, _ := m.calls.At(i)
		for _, h := range []string{c.From, c.To} {
			if _, d, ok := splitHandle(h); ok {
				n[d]++
			}
		}
	}
	home, best := "", 0
	for d, k := range n {
		if k > best || k == best && d < home {
			home, best = d, k
		}
	}
	return home
}

// splitHandle splits user@domain.
func splitHandle(h string) (user, domain string, ok bool) {
	i := strings.LastIndexByte(h, '@')
	if i <= 0 || i == len(h)-1 {
		return h, "", false
	}
	return h[:i], h[i+1:], true
}

// shortWho is from→to in at most w cells: in full when it fits, else
// without the home domain, else with any other domain elided to "@…", else
// cut with "…". Each step keeps the names telling apart what the full ones
// do; the last at least shows that it is cut.
func shortWho(from, to, home string, w int) string {
	if from == "" && to == "" {
		return "" // seen only from APNs on: nobody's names
	}
	forms := []func(string) string{
		func(h string) string { return h },
		func(h string) string {
			if u, d, ok := splitHandle(h); ok && d == home {
				return u
			}
			return h
		},
		func(h string) string {
			u, d, ok := splitHandle(h)
			switch {
			case !ok:
				return h
			case d == home:
				return u
			}
			return u + "@…"
		},
	}
	var s string
	for _, f := range forms {
		s = f(from) + "→" + f(to)
		if ansi.StringWidth(s) <= w {
			return s
		}
	}
	return ansi.Truncate(s, w, "…")
}
