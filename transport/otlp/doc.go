// Package otlp carries callscope's calls to and from OpenTelemetry.
//
// Out: a call's events become one trace, whose trace id is the W3C trace id
// the call already carries (flow.Event.TraceID), with a root span for the
// call and one child span per stage it reached. Each stage span runs from the
// stage's first event to the end of its last measured work; its events are
// span events; a diagnosis is the Error status of the span of the stage it
// blames; the push as APNs saw it (headers but authorization, payload size)
// is on the APNs span. Simulated iPhone time never stretches a span: a
// simulated event counts only the wall time the run spent on it, and the
// span says callscope.simulated=true with the simulated total beside it.
//
// The spans go out through the OpenTelemetry Go SDK and its OTLP/HTTP
// exporter (NewHTTPExporter), or as OTLP JSON written by the collector's
// pdata marshaller (NewFileExporter): the format a collector's otlpjsonfile
// receiver and Jaeger's "JSON File" upload read. Nothing here writes OTLP by
// hand.
//
// In: DecodeRequest turns an OTLP/HTTP traces request (protobuf or JSON,
// decoded by pdata) into server-stage events, so spans from a team's own
// instrumented provider server land on the Server lane of the call whose
// trace id they carry.
package otlp
