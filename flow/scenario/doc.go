// Package scenario holds callscope's named failure scenarios: each one turns
// a knob (a device profile field, a push option, a sender action, a mock APNs
// fault) and declares the diagnosis the modelled behaviour must produce: the
// stage, the code, Apple's name for the error, and the source (an F-xx id of
// docs/failures.md, or the repo doc with the rule).
//
// A scenario runs through the real pipeline: real HTTP, HTTP/2 + TLS, HPKE,
// and the simulated iPhone on a virtual clock. Users add their own in TOML
// (LoadFile), with the same fields as the built-ins.
package scenario
