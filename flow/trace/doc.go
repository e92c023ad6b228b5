// Package trace records events as JSON Lines and reads them back.
//
// A trace file holds one event per line, each a JSON object with a format
// version "v" and the fields of flow.Event. Lines are flushed as they are
// written, so a file is readable up to its last event after a crash. Import it
// as flowtrace beside runtime/trace.
package trace
