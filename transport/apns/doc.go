// Package apns is the provider's side of APNs: github.com/sideshow/apns2's
// client for callscope's provider server (NewClient), and for one push at a
// time (callscope push) a Request that is exactly what goes on the wire,
// checked before sending (Validate), shown without sending (DryRun: the
// headers, the payload against its limit, the JWT as header and claims, a
// curl command) and sent by a Sender with a cached provider token (apns2's
// token package) or a client certificate (.p12). Explain turns each reason
// in Apple's table into one line for the host and push type at hand; Hint
// is its context-free form, for the mock's diagnoses.
//
// It follows Apple's "Establishing a token-based connection to APNs" and the
// notes on apns2 in docs/apns-rules.md#notes-on-apns2. It imports no flow
// code: the provider server decides what to push, this package how to reach
// APNs. Key material never leaves it: no JWT, key or password is printed.
package apns
