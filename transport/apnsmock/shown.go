package apnsmock

import (
	"container/list"
	"strconv"
)

// shownMax is how many collapse ids a stand-in device remembers. iOS keeps
// a bounded list of delivered notifications per app and documents no
// number; 64 is the figure Apple gives for pending local notifications. A
// long-running mock sees endless collapse ids: it forgets the oldest, and a
// later push with a forgotten id is shown as new, not as a replacement.
const shownMax = 64

// shownList is a stand-in's notification list by apns-collapse-id, the most
// recently shown first, at most max long (shownMax when zero).
type shownList struct {
	max       int
	order     list.List // of *shownEntry
	byID      map[string]*list.Element
	forgotten int // collapse ids pushed off the list, ever
}

type shownEntry struct{ collapseID, apnsID string }

// show puts apnsID on the list under collapseID. It returns the apns-id it
// replaces, if any, and the entry it pushed off the end, if any.
func (l *shownList) show(collapseID, apnsID string) (replaces string, replaced bool, out *shownEntry) {
	if l.byID == nil {
		l.byID = map[string]*list.Element{}
	}
	if el, ok := l.byID[collapseID]; ok {
		e := el.Value.(*shownEntry)
		replaces, e.apnsID = e.apnsID, apnsID
		l.order.MoveToFront(el)
		return replaces, true, nil
	}
	l.byID[collapseID] = l.order.PushFront(&shownEntry{collapseID: collapseID, apnsID: apnsID})
	if l.order.Len() > l.limit() {
		out = l.order.Remove(l.order.Back()).(*shownEntry)
		delete(l.byID, out.collapseID)
		l.forgotten++
	}
	return "", false, out
}

func (l *shownList) limit() int {
	if l.max > 0 {
		return l.max
	}
	return shownMax
}

// forgot says on a push's event which collapse id it pushed off the list,
// and how many have been, so none goes unseen. The caller holds the lock.
func (l *shownList) forgot(attrs map[string]string, out *shownEntry) {
	attrs["forgot_collapse_id"] = out.collapseID
	attrs["collapse_ids_forgotten"] = strconv.Itoa(l.forgotten) + " (the stand-in remembers the latest " + strconv.Itoa(l.limit()) + ")"
}
