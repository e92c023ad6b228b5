// Package scenario holds callscope's named failure scenarios: each one
// injects a fault (a device profile change, a server's push mistake, an APNs
// condition, a crypto fault or a timing) and declares the diagnosis it must
// produce: the stage, the code, Apple's name for the error, and the source in
// ../../../shared/spec/device.md §8 (F-xx) or the other specs.
//
// A scenario runs through the real pipeline: real HTTP, HTTP/2 + TLS, HPKE,
// and the simulated iPhone on a virtual clock. Users add their own in TOML
// (LoadFile), with the same fields as the built-ins.
package scenario
