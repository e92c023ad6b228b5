package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// tmuxWait is how long the script waits for the pane to show what a key
// press should bring: a deadline, never a sleep.
const tmuxWait = 15 * time.Second

// tmuxPane is the screen running in a detached tmux pane of a server of
// its own, typed at with send-keys and read with capture-pane.
type tmuxPane struct {
	t    *testing.T
	sock string
}

// startTmux runs the built binary with args in an 80×24 tmux pane. The
// client is told the terminal is UTF-8 (-u): the screen draws ▸ ✗ │, and a
// CI without a locale would read them back as underscores.
func startTmux(t *testing.T, args ...string) *tmuxPane {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed: the script that types at the screen in a real terminal needs it (apt-get install tmux)")
	}
	bin := buildCallscope(t)
	dir := t.TempDir()
	p := &tmuxPane{t: t, sock: filepath.Join(dir, "tmux.sock")}
	cmd := append([]string{"env", "XDG_DATA_HOME=" + dir, "HOME=" + dir, "TERM=xterm-256color", bin}, args...)
	p.tmux("new-session", "-d", "-x", "80", "-y", "24", "-s", "callscope", strings.Join(quoteAll(cmd), " "))
	// The server is ours alone (its own socket): stopping it ends the
	// screen and nothing else.
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", p.sock, "kill-server").Run() })
	return p
}

func quoteAll(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return out
}

func (p *tmuxPane) tmux(args ...string) string {
	p.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-u", "-S", p.sock}, args...)...).CombinedOutput()
	if err != nil {
		p.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// keys types as a person does: one key at a time, as tmux names them
// (Enter, Tab, Escape, Space, or a character).
func (p *tmuxPane) keys(keys ...string) {
	p.t.Helper()
	for _, k := range keys {
		p.tmux("send-keys", "-t", "callscope", k)
	}
}

// text types s as literal characters.
func (p *tmuxPane) text(s string) {
	p.t.Helper()
	p.tmux("send-keys", "-t", "callscope", "-l", s)
}

// pane is what the terminal shows now, as text.
func (p *tmuxPane) pane() string {
	p.t.Helper()
	return p.tmux("capture-pane", "-p", "-t", "callscope")
}

// wait reads the pane until ok says it shows what is waited for, and
// returns it; at the deadline it fails with what the pane shows.
func (p *tmuxPane) wait(what string, ok func(string) bool) string {
	p.t.Helper()
	deadline := time.Now().Add(tmuxWait)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		s := p.pane()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("the pane did not show %s within %s:\n%s", what, tmuxWait, s)
		}
		<-tick.C
	}
}

func (p *tmuxPane) waitFor(s string) string {
	p.t.Helper()
	return p.wait(fmt.Sprintf("%q", s), func(pane string) bool { return strings.Contains(pane, s) })
}

// cursor is the events pane's line under the cursor (▸).
var cursorLine = regexp.MustCompile(`(?m)^▸ *\+.*$`)

// moveTo presses k (j or k) until the event under the cursor matches re,
// each press waited on, as a person reads the line before the next press.
func (p *tmuxPane) moveTo(key string, re *regexp.Regexp) {
	p.t.Helper()
	for range 40 {
		cur := cursorLine.FindString(p.pane())
		if re.MatchString(cur) {
			return
		}
		p.keys(key)
		p.wait("the cursor to move", func(s string) bool { return cursorLine.FindString(s) != cur })
	}
	p.t.Fatalf("no event matching %s:\n%s", re, p.pane())
}

// pageTo pages an opened event down until the pane shows s, and returns
// the pane.
func (p *tmuxPane) pageTo(s string) string {
	p.t.Helper()
	for range 10 {
		if strings.Contains(p.pane(), s) {
			break
		}
		before := p.pane()
		p.keys("PageDown")
		p.wait("the opened event to scroll", func(pane string) bool { return pane != before })
	}
	return p.waitFor(s)
}

// flat is the pane's text with its lines joined and spaces folded: what a
// wrapped paragraph says.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestTmuxScript types at the screen in a real terminal, 80×24: a call
// rings (the callee's phone takes one call at a time), a second fails with
// CALL_LIMIT, whose hint the detail pane cuts; enter on the diagnosis
// reads it whole; enter on APNs' receipt shows the push's payload JSON,
// and on the extension's decrypted event what the device decrypted;
// /failed leaves only the failed call; space pauses while calls go on.
func TestTmuxScript(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the tmux script runs the screen for seconds")
	}
	const hint = "raise maximumCallGroups (default 2) or end the old call before reporting a new one"
	p := startTmux(t, "--device-set", "maximum_call_groups=1")
	p.waitFor("q quit")

	p.keys("Enter") // a call with the defaults: it rings, nobody answers
	p.waitFor("ringing: ")
	p.keys("Enter") // a second: CallKit refuses it
	s := p.waitFor("✗ callkit: CALL_LIMIT")
	if strings.Contains(flat(s), hint) {
		t.Fatalf("the detail pane shows the whole hint at 80 columns; the script would prove nothing:\n%s", s)
	}

	// To the events, onto the event that carries the diagnosis, enter.
	p.keys("Tab", "Tab")
	p.waitFor("▸ events")
	p.moveTo("k", regexp.MustCompile(`callkit +(✗ )?report-failed`))
	p.keys("Enter")
	s = p.waitFor("CALLKIT report-failed · esc back")
	for _, want := range []string{"✗ fail callkit: CALL_LIMIT", "hint: " + hint, "source: docs/failures.md",
		"Apple's name: CXErrorCodeRequestTransactionError.maximumCallGroupsReached (7)"} {
		if !strings.Contains(flat(s), want) {
			t.Errorf("the opened diagnosis lacks %q:\n%s", want, s)
		}
	}

	// Back, up to APNs' receipt of the push, open it, page to the payload.
	p.keys("Escape")
	p.waitFor("▸ events · enter opens one whole")
	p.moveTo("k", regexp.MustCompile(`apns +received`))
	p.keys("Enter")
	p.waitFor("APNS received · esc back")
	s = p.pageTo(`"vpe": {`)
	for _, want := range []string{"Payload (", `"aps": {`, `"mutable-content": 1`, `"alg": "hpke-`} {
		if !strings.Contains(s, want) {
			t.Errorf("the push's payload lacks %q:\n%s", want, s)
		}
	}

	// Down to the extension's decrypted event: what the device read.
	p.keys("Escape")
	p.waitFor("▸ events · enter opens one whole")
	p.moveTo("j", regexp.MustCompile(`extension +decrypted`))
	p.keys("Enter")
	p.waitFor("EXTENSION decrypted · esc back")
	s = p.pageTo(`"type": "call.invite"`)
	if !strings.Contains(s, "Decrypted plaintext") && !strings.Contains(s, `"caller": {`) {
		t.Errorf("no decrypted plaintext:\n%s", s)
	}

	// /failed: only the failed call is left in the list.
	p.keys("Escape")
	p.waitFor("▸ events · enter opens one whole")
	p.keys("/")
	p.waitFor("enter apply · esc cancel")
	p.text("failed")
	p.keys("Enter")
	s = p.waitFor("/failed · 1 of 2 calls")
	list := listColumn(s)
	if !strings.Contains(list, "failed") || strings.Contains(list, "ringing") {
		t.Errorf("/failed left other calls:\n%s", list)
	}

	// space: the header says paused; a call sent meanwhile is counted,
	// not shown.
	p.keys("Space")
	p.waitFor("⏸ paused")
	p.keys("Tab") // events → calls: enter sends again
	p.waitFor("▸ /failed")
	p.keys("Enter")
	s = p.wait("the header to count what arrived", func(s string) bool {
		return regexp.MustCompile(`paused · [1-9][0-9,]* events since`).MatchString(strings.SplitN(s, "\n", 2)[0])
	})
	if !strings.Contains(s, "/failed · 1 of 2 calls") {
		t.Errorf("the paused view moved:\n%s", s)
	}
	p.keys("q")
	p.ended()
}

// ended waits for the screen to quit: its pane, and so its session, close.
func (p *tmuxPane) ended() {
	p.t.Helper()
	deadline := time.Now().Add(tmuxWait)
	for exec.Command("tmux", "-S", p.sock, "has-session", "-t", "callscope").Run() == nil {
		if time.Now().After(deadline) {
			p.t.Fatalf("the screen did not quit on q:\n%s", p.pane())
		}
		time.Sleep(20 * time.Millisecond) // polling the session's end, bounded by the deadline
	}
}

// listColumn is the call list: the left column of the rows under the
// header, down to the events rule.
func listColumn(pane string) string {
	var out []string
	for _, l := range strings.Split(pane, "\n")[1:] {
		if strings.HasPrefix(l, "─") || strings.HasPrefix(l, "▸ events") {
			break
		}
		left, _, _ := strings.Cut(l, "│")
		out = append(out, left)
	}
	return strings.Join(out, "\n")
}
