// Package ingest is callscope's events endpoint: the receiving side of
// apnsmock.IngestSink (`callscope mock-apns --events-to URL`), and the door
// through which a team's own provider server or a real device's Notification
// Service Extension puts its stage events on a running callscope screen.
//
// The wire format is the client's: POST application/x-ndjson to /v1/events,
// one flow.Event per line as encoding/json writes it. Each line stands alone:
// a bad one is reported by number and skipped, the rest are loaded. Every
// accepted event is redacted with flow.Redact before it reaches the sink, and
// its strings lose their control characters (bidi and zero-width ones too),
// because what arrives here comes from outside the process and ends up on a
// terminal and in trace files. The answer says how many events the sink
// queued for the screen and how many the screen dropped.
//
// It listens on loopback unless given a bearer token; with a token every
// request must carry it. docs/ingest.md is the user's description.
package ingest
