package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/callscope/callscope/transport/apnsmock"
)

// deviceLinkFlags are mock-apns's flags for device links.
func deviceLinkFlags(cmd *cobra.Command, o *mockAPNsOptions) {
	f := cmd.Flags()
	f.StringVar(&o.deviceLink, "device-link", "127.0.0.1:2198", `address simulated iPhones (callscope device) keep their TLS link to; "" for none`)
	f.BoolVar(&o.standIn, "stand-in", true, "a token no device has linked gets an in-process stand-in iPhone; false: its pushes are stored as for an offline device")
}

// linkOptions sets the device link and the stand-in: for tokens no device
// ever linked, the mock records what iOS would do in process (labelled
// stand-in in its events), so a provider pointed at the mock alone still
// sees the device side. A device that linked and left is offline.
func linkOptions(cfg *apnsmock.Config, o mockAPNsOptions, log *asyncLog) {
	cfg.DeviceLinkAddr = o.deviceLink
	if o.standIn {
		sink := cfg.Sink
		cfg.NewDevice = func(token string) apnsmock.Link { return &apnsmock.SimDevice{Token: token, Sink: sink} }
	}
	if log == nil {
		return // the screen is up: a log line would scribble over it
	}
	cfg.OnLink = func(st apnsmock.LinkState) {
		var line string
		switch {
		case st.Refused:
			line = fmt.Sprintf("device link refused: %s from %s: %s", short(st.Token), st.Remote, st.Why)
		case st.Up:
			line = fmt.Sprintf("device link up: %s (%s) from %s, topics %s", short(st.Token), st.Device, st.Remote, strings.Join(st.Topics, ", "))
		default:
			line = fmt.Sprintf("device link down: %s (%s) from %s: %s; the device is offline: its pushes are stored", short(st.Token), st.Device, st.Remote, st.Why)
		}
		log.Line(line)
	}
}

func printDeviceLink(out io.Writer, m *apnsmock.Server, o mockAPNsOptions) {
	a := m.DeviceLinkAddr()
	if a == nil {
		fmt.Fprintln(out, "device link: none (--device-link \"\")")
		return
	}
	ca := "FILE"
	if o.caOut != "" {
		ca = o.caOut
	}
	fmt.Fprintf(out, "device link: %s (TLS 1.3; callscope device --apns-device-link %s --ca %s)\n", a, a, ca)
}

func short(token string) string {
	if len(token) <= 12 {
		return token
	}
	return token[:8] + "…" + token[len(token)-4:]
}

// standInNote says what happens to a push for a token no device has linked.
func standInNote(o mockAPNsOptions) string {
	if o.standIn {
		return "until its device links, the in-process stand-in shows what iOS does with its pushes"
	}
	return "until its device links, its pushes are stored as for an offline device"
}
