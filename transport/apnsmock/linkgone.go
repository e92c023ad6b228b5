package apnsmock

import (
	"container/list"
	"strconv"
)

// goneMax is how many devices that linked and left the link table
// remembers with nothing stored for them. APNs knows a token until its app
// is deleted; a long-running mock that sees endless devices come and go
// must forget some: the longest gone first, never one it stores or holds a
// push for, and counted (a push to a forgotten token says so).
const goneMax = 4096

// goneList orders tokens, the one to forget first in front (the longest
// gone, or the least recently pushed-to stand-in), and counts the ones
// forgotten. The link table's lock guards it.
type goneList struct {
	max    int // goneMax when zero
	order  list.List
	at     map[string]*list.Element
	forgot int
}

// left records that a device went offline (t.mu held); when more are gone
// than the table remembers, it forgets the longest gone.
func (s *Server) left(token string) {
	g := &s.links.gone
	if g.at == nil {
		g.at = map[string]*list.Element{}
	}
	if el, ok := g.at[token]; ok {
		g.order.MoveToBack(el)
	} else {
		g.at[token] = g.order.PushBack(token)
	}
	limit := g.max
	if limit <= 0 {
		limit = goneMax
	}
	for scan := g.order.Len(); g.order.Len() > limit && scan > 0; scan-- {
		el := g.order.Front()
		tok := el.Value.(string)
		if len(s.links.stored[tok]) > 0 || s.fwd.holds(tok) {
			g.order.MoveToBack(el) // what is stored waits for its device
			continue
		}
		g.order.Remove(el)
		delete(g.at, tok)
		delete(s.links.offline, tok)
		delete(s.links.known, tok)
		delete(s.links.downWhy, tok)
		g.forgot++
	}
}

// back records that a device linked again (t.mu held): it is not gone,
// and not a stand-in.
func (t *linkTable) back(token string) {
	t.gone.drop(token)
	t.standIns.drop(token)
}

func (g *goneList) drop(token string) {
	if el, ok := g.at[token]; ok {
		g.order.Remove(el)
		delete(g.at, token)
	}
}

// standInMax is how many stand-in devices the standalone mock keeps. Any
// well-formed token gets one, so a long run sees endless tokens; the least
// recently pushed to is forgotten, losing only its notification list.
const standInMax = 4096

// standInPushed notes a push to token's stand-in, if its device is one
// (created: made for this push). t.mu is held. Beyond the bound it forgets
// the least recently pushed-to stand-in. The attributes it returns go on
// the push's "delivered" event: a stand-in made while others were
// forgotten says so, since it may be one of them, its list empty.
func (s *Server) standInPushed(token string, created bool) map[string]string {
	g := &s.links.standIns
	if g.at == nil {
		g.at = map[string]*list.Element{}
	}
	if el, ok := g.at[token]; ok {
		g.order.MoveToBack(el)
		return nil
	}
	if !created {
		return nil // a linked device, or an offline one
	}
	g.at[token] = g.order.PushBack(token)
	limit := g.max
	if limit <= 0 {
		limit = standInMax
	}
	for g.order.Len() > limit {
		tok := g.order.Remove(g.order.Front()).(string)
		delete(g.at, tok)
		delete(s.links.links, tok)
		g.forgot++
	}
	if g.forgot == 0 {
		return nil
	}
	return map[string]string{"note": "new stand-in: the mock keeps the latest " + strconv.Itoa(limit) +
		" stand-ins pushed to and forgot " + strconv.Itoa(g.forgot)}
}

// forgotten is how many devices the link table forgot.
func (t *linkTable) forgotten() (n, limit int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	limit = t.gone.max
	if limit <= 0 {
		limit = goneMax
	}
	return t.gone.forgot, limit
}

// holds reports whether the store-and-forward engine holds anything for a
// token (it forgets a device that holds nothing).
func (f *forwarder) holds(token string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.devices[token] != nil
}
