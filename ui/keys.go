package ui

import (
	"slices"
	"strings"
)

// Mode is a kind of screen, by what its keys can act on. The same panes and
// keys run on every screen; a key that cannot act on one is neither in its
// key line nor in its ? help, and pressing it says why.
type Mode uint8

const (
	// ModeLive is the screen on the embedded default (with --ingest and
	// --server too): it sends, and answers on its simulated iPhone.
	ModeLive Mode = 1 << iota
	// ModeReal sends to a real APNs: a real phone answers, not the screen.
	ModeReal
	// ModeWatch is the standalone mock's screen: pushes come from the
	// user's provider server; nothing is sent or answered from it.
	ModeWatch
	// ModeDemo is the tour: it places its own calls.
	ModeDemo
	// ModeReplay plays a recorded trace.
	ModeReplay
)

// Sets of modes the registry uses.
const (
	Sends     = ModeLive | ModeReal
	AnyScreen = ModeLive | ModeReal | ModeWatch | ModeDemo | ModeReplay
	// Live are the screens whose events arrive as they happen: space
	// pauses the view there (the tour and the replay give it their own).
	Live = ModeLive | ModeReal | ModeWatch
)

// keyEntry is one key of the registry.
type keyEntry struct {
	// Press are the keys the screen's Update dispatches, as Bubble Tea
	// names them ("a", "enter"), space-separated: on a screen outside
	// Modes they do nothing but say why (cannotAct). Empty for keys that
	// act everywhere they reach, or that a tour or replay takes first.
	Press string
	// Keys is how ? names the key, Help what it does there ("" for none).
	Keys, Help string
	// Short is the key line's entry ("" for none), placed by Rank, lowest
	// first; the line drops the highest ranks when narrow.
	Short string
	Rank  int
	Modes Mode
}

// registry is every key, in the order ? lists them. Another file adds its
// own with one line: var _ = addKey(keyEntry{...}).
var registry = []keyEntry{
	// The tour's and the replay's own keys first: they are what those
	// screens are for.
	{Keys: "space", Help: "pause the tour; space resumes", Short: "space pause", Rank: 5, Modes: ModeDemo},
	{Keys: "→ / l", Help: "next step of the tour", Short: "→ next step", Rank: 6, Modes: ModeDemo},
	{Keys: "space", Help: "play / pause the trace", Short: "space play/pause", Rank: 1, Modes: ModeReplay},
	{Keys: "← / →", Help: "one event back / forward (h / l too)", Short: "←/→ step", Rank: 2, Modes: ModeReplay},
	{Keys: "+ / -", Help: "faster / slower", Short: "+/- speed", Rank: 3, Modes: ModeReplay},
	{Keys: "f", Help: "jump to the next failure", Short: "f next failure", Rank: 4, Modes: ModeReplay},
	{Keys: "r", Help: "back to the start of the trace", Short: "r restart", Rank: 5, Modes: ModeReplay},

	{Press: "n", Keys: "n", Help: "compose: scenario, kind, video, scheme, device, to, ttl, count", Short: "n compose", Rank: 10, Modes: Sends},
	{Press: "enter", Keys: "enter", Help: "send: the composed request, or a call with the defaults", Short: "enter send", Rank: 20, Modes: Sends},
	{Press: "a d", Keys: "a / d", Help: "answer / decline the ringing call", Modes: ModeLive},
	{Keys: "a", Short: "a answer", Rank: 30, Modes: ModeLive},
	{Keys: "d", Short: "d decline", Rank: 40, Modes: ModeLive},
	{Press: "e", Keys: "e", Help: "preview the envelope before sending: plaintext, header, AAD, sizes", Short: "e preview", Rank: 65, Modes: Sends},
	{Press: "r", Keys: "r", Help: "resend the selected call as it was composed", Short: "r resend", Rank: 85, Modes: Sends},
	{Keys: "y", Help: "copy the selected push as curl --http2 (OSC 52), shown too; no JWT", Short: "y curl", Rank: 66, Modes: Sends | ModeWatch | ModeReplay},
	{Keys: "j k ↑ ↓", Help: "select a call; g / G first / newest", Short: "j/k select", Rank: 80, Modes: AnyScreen},
	{Keys: "w", Help: "waterfall: the stages on one time axis / the ladder", Short: "w waterfall", Rank: 90, Modes: AnyScreen},
	{Keys: "t", Help: "next theme", Short: "t theme", Rank: 100, Modes: AnyScreen},
	{Keys: "? / esc", Help: "close this help", Modes: AnyScreen},
	{Keys: "q", Help: "quit", Modes: AnyScreen},
	{Keys: "tab", Help: "next pane: calls, ladder, events; shift+tab back; click selects", Short: "tab pane", Rank: 70, Modes: AnyScreen},
	{Keys: "events", Help: "j k pgup pgdn g G (wheel) scroll · enter opens one whole · esc back", Modes: AnyScreen},
	{Keys: "/", Help: "filter: failed, stage:extension, code:NSE_NOT_RUN, !term; esc clears", Short: "/ filter", Rank: 50, Modes: AnyScreen},
	{Keys: "space", Help: "pause the view (events still arrive and are recorded); space resumes", Short: "space pause", Rank: 60, Modes: Live},
}

// addKey registers a key; it returns nothing useful, so that a file can
// add one at package level: var _ = addKey(keyEntry{...}).
func addKey(k keyEntry) bool {
	registry = append(registry, k)
	return true
}

// helpKeys are the ? entries of the keys that act on a screen of mode m.
func helpKeys(m Mode) [][2]string {
	var out [][2]string
	for _, k := range registry {
		if k.Modes&m != 0 && k.Help != "" {
			out = append(out, [2]string{k.Keys, k.Help})
		}
	}
	return out
}

// shortKeys are the key line's entries that act on a screen of mode m, by
// rank.
func shortKeys(m Mode) []string {
	var ks []keyEntry
	for _, k := range registry {
		if k.Modes&m != 0 && k.Short != "" {
			ks = append(ks, k)
		}
	}
	slices.SortStableFunc(ks, func(a, b keyEntry) int { return a.Rank - b.Rank })
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.Short
	}
	return out
}

// actsOn reports whether key k does anything on a screen of mode m: false
// only for a registered key whose every entry is for other screens.
func actsOn(k string, m Mode) bool {
	known := false
	for _, e := range registry {
		if e.Press == "" || !slices.Contains(strings.Fields(e.Press), k) {
			continue
		}
		if e.Modes&m != 0 {
			return true
		}
		known = true
	}
	return !known
}

// cannotAct is the status line for a key that does nothing on a screen of
// mode m: why.
func cannotAct(m Mode) string {
	switch m {
	case ModeReal:
		return "the callee is a real device: answer or decline on the phone"
	case ModeDemo:
		return "the tour places its own calls · space pause · → next · q quit"
	case ModeReplay:
		return "a recorded trace: this screen only watches, nothing to send or answer"
	}
	return "nothing to send or answer here: this screen only watches"
}

// mode is the kind of screen the options describe: Mode when set, else a
// screen that only watches (Observer) or the embedded default's.
func (o Options) mode() Mode {
	switch {
	case o.Mode != 0:
		return o.Mode
	case o.Observer:
		return ModeWatch
	}
	return ModeLive
}
