// Package providerclient drives a team's own provider server through a
// request template (docs/server-template.md): a TOML file that says how to
// register a device ([register]) and how to hand over an envelope for one
// ([send]): method, path, headers and body, with {{name}} placeholders for the
// envelope, the recipient, the push type, the topic and the trace id, and how
// to read the answer.
//
// Placeholders are filled in for where they stand: path-escaped in the path,
// JSON-escaped inside a JSON string, a JSON value of their own outside one,
// form-escaped in a form body. Every placeholder is checked when the template
// is loaded, so a misspelt one is an error naming the file, line and field,
// never an empty string sent to the server.
package providerclient
