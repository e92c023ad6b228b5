// Package replay reads a recorded trace back into calls: which calls a
// trace holds, how each ended, the push each sent, and where each event
// sits on the trace's own timeline. The replay command, its headless
// output and the replay screen all fold events the same way through it.
package replay
