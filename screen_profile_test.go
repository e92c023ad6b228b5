package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/device"
	"github.com/callscope/callscope/flow/pipeline"
)

// TestScreenAnswerPolicy: manual is the screen's answer policy only when the
// user set none; a policy from --device-set or the profile file is kept.
// (Before, the screen forced manual over both.)
func TestScreenAnswerPolicy(t *testing.T) {
	dir := t.TempDir()
	file := func(body string) string {
		p := filepath.Join(dir, "p"+time.Now().Format("150405.000000000")+".toml")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name string
		path string
		sets []string
		want device.AnswerPolicy
	}{
		{"default", "", nil, device.AnswerManual},
		{"set decline", "", []string{"answer=decline"}, device.AnswerDecline},
		{"set ignore", "", []string{"answer=ignore"}, device.AnswerIgnore},
		{"set auto", "", []string{"answer=answer"}, device.AnswerAuto},
		{"profile without answer", file("ios = \"18.1\"\n"), nil, device.AnswerManual},
		{"profile with decline", file("answer = \"decline\"\n"), nil, device.AnswerDecline},
		{"profile answer, set overrides", file("answer = \"decline\"\n"), []string{"answer=ignore"}, device.AnswerIgnore},
		{"other set keeps manual", "", []string{"nse_budget=10s"}, device.AnswerManual},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := screenProfile(tc.path, tc.sets)
			if err != nil {
				t.Fatal(err)
			}
			if p.AnswerPolicy != tc.want {
				t.Errorf("answer policy %q, want %q", p.AnswerPolicy, tc.want)
			}
		})
	}
}

// TestScreenDeclinesByItself: with --device-set answer=decline the screen's
// pipeline declines a ringing call without a key press.
func TestScreenDeclinesByItself(t *testing.T) {
	prof, err := screenProfile("", []string{"answer=decline", "answer_after=1ms"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := pipeline.New(ctx, pipeline.Config{Clock: flow.NewSimClock(), Profile: prof})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c := p.Place(ctx, p.Compose())
	if c.Outcome != flow.OutcomeDeclined {
		t.Fatalf("outcome %s (%v), want declined", c.Outcome, c.Diag)
	}
}
