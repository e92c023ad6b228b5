package main

import (
	"context"
	"errors"
	"os"

	"github.com/charmbracelet/x/term"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/bus"
	"github.com/callscope/callscope/ui"
)

// errMockOnly answers the screen's send and answer keys: the standalone mock
// has no caller of its own and its devices only record what iOS would do.
var errMockOnly = errors.New("the standalone mock only receives: push from your provider server (docs/mock-apns.md)")

// mockController is the screen's Controller for mock-apns.
type mockController struct{}

func (mockController) Compose() flow.Request             { return flow.Request{Kind: flow.KindCall} }
func (mockController) Send(flow.Request) (string, error) { return "", errMockOnly }
func (mockController) Answer(string) error               { return errMockOnly }
func (mockController) Decline(string) error              { return errMockOnly }

// runMockScreen shows the mock's events on the screen until the user quits.
// lost are the --events-to and --record counts the header shows.
func runMockScreen(ctx context.Context, sub *bus.Subscription, url, env, ca string, lost []ui.Loss, theme string) error {
	return ui.Run(ctx, mockController{}, sub, mockScreenOptions(url, env, ca, lost, theme))
}

// mockScreenOptions are the main screen's panes and keys in ModeWatch: the
// keys that would send or answer are neither in the key line nor under ?.
func mockScreenOptions(url, env, ca string, lost []ui.Loss, theme string) ui.Options {
	return ui.Options{Observer: true, Mode: ui.ModeWatch, Lost: lost, Theme: theme,
		Status: "watching pushes to " + url + " · push from your provider server · ? help", Header: ui.Header{
			Mode:      "mock APNs (" + env + ")",
			Endpoints: url + " · CA " + ca,
			Device:    "simulated devices",
		}}
}

// isTerminal reports whether rw (a reader or a writer) is a terminal.
func isTerminal(rw any) bool {
	f, ok := rw.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}
