// Package flow holds the domain types every part of callscope shares: the five
// stages of an end-to-end-encrypted call request, the events each stage emits,
// diagnoses, calls and their outcomes, and the latency maths over events.
//
// It imports nothing of the project. Events are plain data: they are copied
// between goroutines, written to trace files and rebuilt from them, so they
// carry no pointers into component state and no secrets.
package flow
