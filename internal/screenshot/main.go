// Command screenshot makes the README's picture of the screen from a real
// run: it places one call of a library scenario on the embedded default
// (sender, server, mock APNs, simulated iPhone, all real), feeds every
// event to the screen's model (ui.Model, as `callscope` runs it), and
// writes the final View() at the given size as SVG, with its colours.
//
//	go run ./internal/screenshot -o docs/screenshot-failed-call.svg
//
// It is a program, like callscope's main: nothing imports it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/pipeline"
	"github.com/callscope/callscope/flow/scenario"
	"github.com/callscope/callscope/internal/ansisvg"
	"github.com/callscope/callscope/ui"
)

func main() {
	var (
		name  = flag.String("scenario", "no-filtering-entitlement", "the library scenario whose call is shown")
		out   = flag.String("o", "docs/screenshot-failed-call.svg", "where the SVG goes")
		cols  = flag.Int("cols", 100, "terminal columns")
		rows  = flag.Int("rows", 30, "terminal rows")
		theme = flag.String("theme", "", "colour theme (callscope's default when empty)")
	)
	flag.Parse()
	if err := run(*name, *out, *cols, *rows, *theme); err != nil {
		fmt.Fprintln(os.Stderr, "screenshot:", err)
		os.Exit(1)
	}
}

func run(name, out string, cols, rows int, theme string) error {
	if cols < 80 || rows < 24 {
		return fmt.Errorf("-cols %d -rows %d: the screen needs at least 80×24", cols, rows)
	}
	lib, err := scenario.NewLibrary()
	if err != nil {
		return err
	}
	s, err := lib.Get(name)
	if err != nil {
		return fmt.Errorf("-scenario: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := pipeline.New(ctx, s.Config())
	if err != nil {
		return err
	}
	sub := p.Bus().Subscribe(1 << 14)
	req := p.Compose()
	req.Kind, req.Video = s.Kind, s.Video
	c := p.Place(ctx, req)
	sctx, scancel := context.WithTimeout(ctx, 2*time.Second)
	_ = p.Settle(sctx) // late events are in
	scancel()
	_, apnsURL := p.Endpoints()
	tok := p.DeviceToken()
	p.Close()
	var events []flow.Event
	for e := range sub.Events() {
		events = append(events, e)
	}
	if sub.Dropped() > 0 {
		return fmt.Errorf("%d events dropped: the picture would be wrong", sub.Dropped())
	}
	if s.Expect.Code != "" && (c.Diag == nil || c.Diag.Code != s.Expect.Code) {
		return fmt.Errorf("scenario %s did not fail as it declares (%s): %v", name, s.Expect.Code, c.Diag)
	}

	// The header callscope's screen shows for the embedded default.
	m := ui.NewModel(p, ui.Options{Theme: theme, Location: time.UTC, Header: ui.Header{
		Mode:      "scenario " + name,
		Endpoints: "mock APNs " + apnsURL,
		Device:    fmt.Sprintf("%s (simulated) %s…", s.Profile.Name, tok[:8]),
		Clock:     "simulated time",
	}})
	var model tea.Model = m
	model, _ = model.Update(tea.WindowSizeMsg{Width: cols, Height: rows})
	for _, e := range events {
		model, _ = model.Update(ui.EventMsg{Event: e})
	}
	screen := model.View().Content
	if !strings.Contains(ansi.Strip(screen), string(c.Diag.Code)) {
		return errors.New("the diagnosis is not on the screen")
	}
	svg := ansisvg.Render(screen, ansisvg.Options{Cols: cols, Rows: rows, FG: "#d7dae0", BG: "#16181d",
		Title: "callscope: a call that fails with " + string(c.Diag.Code) + " in the " + string(c.Diag.Stage) + " stage, with Apple's error name and a hint"})
	tmp := out + ".tmp"
	if err := os.WriteFile(tmp, svg, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		return err
	}
	fmt.Printf("%s: %s, %d events, %s at %s (%d bytes)\n", out, name, len(events), c.Diag.Code, c.Diag.Stage, len(svg))
	return nil
}
