package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestMockAPNsForwardFlags: the store-and-forward flags reach the mock's
// faults, and bad values exit 2 with one line naming the flag.
func TestMockAPNsForwardFlags(t *testing.T) {
	const tok = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
	var o mockAPNsOptions
	cmd := mockAPNsCommand()
	if err := cmd.ParseFlags([]string{"--delay", "voip=20s", "--delay", tok + "=5s", "--hold-while-offline", "--reorder", "alert=2",
		"--reorder-window", "2s"}); err != nil {
		t.Fatal(err)
	}
	o.forward.delay, _ = cmd.Flags().GetStringArray("delay")
	o.forward.holdOffline, _ = cmd.Flags().GetStringArray("hold-while-offline")
	o.forward.reorder, _ = cmd.Flags().GetStringArray("reorder")
	o.forward.window, _ = cmd.Flags().GetDuration("reorder-window")
	o.environment, o.idle, o.errorLimit, o.envKeyReason = "sandbox", time.Hour, 100, "BadEnvironmentKeyIdInToken"
	cfg, err := o.config()
	if err != nil {
		t.Fatal(err)
	}
	fw := cfg.Faults.Forward
	if len(fw.Delay) != 2 || fw.Delay[0].PushType != "voip" || fw.Delay[0].Delay != 20*time.Second || fw.Delay[1].Token != tok ||
		len(fw.HoldWhileOffline) != 1 || fw.HoldWhileOffline[0].PushType != "" || len(fw.Reorder) != 1 || fw.Reorder[0].N != 2 ||
		fw.ReorderWindow != 2*time.Second {
		t.Fatalf("forward faults %+v", fw)
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--delay", "20"}, `--delay "20": 20 has no unit (write 20s)`},
		{[]string{"--delay", "fax=1s"}, "--delay"},
		{[]string{"--delay", "0s"}, "--delay"},
		{[]string{"--hold-while-offline=phone"}, "--hold-while-offline"},
		{[]string{"--reorder", "1"}, "--reorder"},
		{[]string{"--reorder", "2", "--reorder-window", "0s"}, "--reorder-window"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			root := rootCommand()
			var out bytes.Buffer
			root.SetOut(&out)
			root.SetErr(&out)
			root.SetArgs(append([]string{"mock-apns", "--listen", "127.0.0.1:0"}, tt.args...))
			err := root.ExecuteContext(context.Background())
			if code := exitStatus(err); code != 2 {
				t.Fatalf("exit %d (err %v), want 2", code, err)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") {
				t.Fatalf("error %q: want one line naming %q", msg, tt.want)
			}
		})
	}
}
