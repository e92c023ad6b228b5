package ui

import (
	"fmt"
	"strings"

	"github.com/callscope/callscope/flow"
)

// A filter narrows the call list: every term must match a call (and), a
// term with a leading ! must not. Terms:
//
//	stage:extension   the call reached this stage last, or its diagnosis blames it
//	outcome:failed    the call ended so (open: not ended yet); a bare outcome
//	                  name (failed, connected, …) means the same
//	code:NSE_NOT_RUN  the diagnosis code contains this (any case)
//	kind:call         call, message (msg) or push (seen from APNs on only)
//	anything else     text in the trace id, call id, apns-id, caller,
//	                  callee, kind, stage, outcome, diagnosis code or
//	                  Apple's reason, any case: NSE_NOT_RUN, alice, 4f3a
//
// The filter runs at draw time over the calls held (at most maxCalls), so an
// event still costs O(1): nothing is indexed per event.
type filter struct {
	text  string // as typed, for the list title
	terms []term
}

type term struct {
	key string // "" (text), stage, outcome, code, kind
	val string
	not bool
}

// outcomeNames are the outcomes a bare word or outcome: names; open is a call
// that has not ended.
var outcomeNames = []string{string(flow.OutcomeFailed), string(flow.OutcomeConnected), string(flow.OutcomeShown),
	string(flow.OutcomeAccepted), string(flow.OutcomeDeclined), string(flow.OutcomeUnanswered), "open"}

var kindNames = map[string]string{"call": string(flow.KindCall), "message": string(flow.KindMessage),
	"msg": string(flow.KindMessage), "push": ""}

// parseFilter reads a filter as typed after /; a leading / is allowed.
func parseFilter(s string) (filter, error) {
	s = strings.TrimSpace(s)
	f := filter{text: strings.TrimSpace(strings.TrimPrefix(s, "/"))}
	for _, w := range strings.Fields(f.text) {
		t := term{}
		if rest, ok := strings.CutPrefix(w, "!"); ok {
			t.not, w = true, rest
		}
		k, v, hasKey := strings.Cut(w, ":")
		k = strings.ToLower(k)
		switch {
		case hasKey && (k == "stage" || k == "outcome" || k == "code" || k == "kind"):
			if v == "" {
				return filter{}, fmt.Errorf("%s: needs a value (%s)", k, choices(k))
			}
			val, err := resolve(k, v)
			if err != nil {
				return filter{}, err
			}
			t.key, t.val = k, val
		case w == "":
			return filter{}, fmt.Errorf("! needs a term after it")
		default:
			if o, err := resolve("outcome", w); err == nil && strings.EqualFold(o, w) {
				t.key, t.val = "outcome", o
			} else {
				t.val = strings.ToLower(w)
			}
		}
		f.terms = append(f.terms, t)
	}
	return f, nil
}

// resolve checks a keyed term's value: stages and outcomes by name or a
// prefix naming one, so stage:ext is the extension.
func resolve(key, v string) (string, error) {
	lv := strings.ToLower(v)
	var names []string
	switch key {
	case "code":
		return strings.ToUpper(v), nil
	case "kind":
		if k, ok := kindNames[lv]; ok {
			return k, nil
		}
		return "", fmt.Errorf("kind:%s: want %s", v, choices(key))
	case "stage":
		for _, s := range flow.Stages {
			names = append(names, string(s))
		}
	case "outcome":
		names = outcomeNames
	}
	var found []string
	for _, n := range names {
		if n == lv {
			return n, nil
		}
		if strings.HasPrefix(n, lv) {
			found = append(found, n)
		}
	}
	if len(found) == 1 {
		return found[0], nil
	}
	return "", fmt.Errorf("%s:%s: want %s", key, v, choices(key))
}

func choices(key string) string {
	switch key {
	case "stage":
		var s []string
		for _, st := range flow.Stages {
			s = append(s, string(st))
		}
		return strings.Join(s, ", ")
	case "outcome":
		return strings.Join(outcomeNames, ", ")
	case "kind":
		return "call, message, push"
	}
	return "a diagnosis code, e.g. NSE_NOT_RUN"
}

// active reports whether the filter narrows anything.
func (f filter) active() bool { return len(f.terms) > 0 }

// match reports whether c passes every term.
func (f filter) match(c flow.Call) bool {
	for _, t := range f.terms {
		if t.matches(c) == t.not {
			return false
		}
	}
	return true
}

func (t term) matches(c flow.Call) bool {
	switch t.key {
	case "stage":
		return string(c.Stage) == t.val || c.Diag != nil && string(c.Diag.Stage) == t.val
	case "outcome":
		if t.val == "open" {
			return c.Outcome == ""
		}
		return string(c.Outcome) == t.val
	case "code":
		return c.Diag != nil && strings.Contains(strings.ToUpper(string(c.Diag.Code)), t.val)
	case "kind":
		return string(c.Kind) == t.val
	}
	fields := []string{c.TraceID, c.CallID, c.ApnsID, c.From, c.To, string(c.Kind), string(c.Stage), string(c.Outcome)}
	if c.Diag != nil {
		fields = append(fields, string(c.Diag.Code), c.Diag.Apple)
	}
	for _, s := range fields {
		if strings.Contains(strings.ToLower(s), t.val) {
			return true
		}
	}
	return false
}

// visible lists the indexes of the calls held that the filter shows, oldest
// first; all of them without a filter. A scan of at most maxCalls calls, at
// draw time or on a key, never per event.
func (m Model) visible() []int {
	n := m.calls.Len()
	out := make([]int, 0, n)
	f := m.flt.shown()
	for i := range n {
		if !f.active() {
			out = append(out, i)
			continue
		}
		if c, ok := m.calls.At(i); ok && f.match(c) {
			out = append(out, i)
		}
	}
	return out
}

// visibleSel is the selection moved onto a shown call: the selected call if
// shown, else the nearest shown one before it (following the newest, the
// newest shown), else after it; -1 when none is shown.
func (m Model) visibleSel(vis []int) int {
	best := -1
	for _, i := range vis {
		if i > m.sel {
			if best < 0 {
				best = i
			}
			break
		}
		best = i
	}
	return best
}

// moveVisible moves the selection d shown calls on.
func (m *Model) moveVisible(d int) {
	vis := m.visible()
	if len(vis) == 0 {
		return
	}
	sel := m.visibleSel(vis)
	pos := 0
	for j, i := range vis {
		if i == sel {
			pos = j
		}
	}
	pos = min(max(pos+d, 0), len(vis)-1)
	m.sel, m.follow = vis[pos], pos == len(vis)-1
}
