// Package ui is callscope's screen: a Bubble Tea v2 program with a header, the
// list of calls, a ladder of the five lanes (Sender, Server, APNs, Extension,
// CallKit) with each hop labelled by its measured latency, the selected call's
// events and diagnosis, per-stage percentiles, and a help bar.
//
// The root Model owns layout, focus and state; the parts render from it in
// their own files. Nothing imports ui. It talks to the running pipeline only
// through Controller, from tea.Cmds, never from Update.
package ui
