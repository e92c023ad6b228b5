// Package pipeline wires the five stages of one run: the caller app, the
// provider server (real HTTP on 127.0.0.1), APNs (callscope's mock over real
// HTTP/2 and TLS, reached with apns2), and the callee's simulated iPhone, all
// emitting into one bus. It decides each request's outcome from its events and
// ends requests that stall, naming the stage where they stopped.
//
// It may import every flow, crypto and transport package; never ui.
package pipeline
