// Package report prints the results of a headless run: one row or one JSON
// object per call with the latency of each of the five stages, simulated time
// apart, and a summary with p50/p95/p99 per stage.
package report
