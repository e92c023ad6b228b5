package flow

import "fmt"

// Code is a stable identifier for why a request failed. Codes are data: tools
// match on them, so a code once published keeps its meaning.
type Code string

// Codes the spine produces. Later packages add their own (crypto's E_* codes,
// device failures); a Code is any stable string.
const (
	CodeSenderFailed    Code = "SENDER_FAILED"    // the caller app could not compose, seal or post
	CodeServerRejected  Code = "SERVER_REJECTED"  // the provider server refused the request
	CodeServerFailed    Code = "SERVER_FAILED"    // the provider could not reach APNs
	CodeAPNsRejected    Code = "APNS_REJECTED"    // APNs answered with an error status and reason
	CodeNotDelivered    Code = "NOT_DELIVERED"    // APNs accepted but the device never got it
	CodeNSENotRun       Code = "NSE_NOT_RUN"      // the extension was not launched for this push
	CodeDecryptFailed   Code = "DECRYPT_FAILED"   // the extension could not open the envelope
	CodeReportFailed    Code = "REPORT_FAILED"    // reportNewIncomingVoIPPushPayload returned an error
	CodeIncomingFailed  Code = "INCOMING_FAILED"  // reportNewIncomingCall returned an error
	CodeUnanswered      Code = "UNANSWERED"       // the call rang out
	CodeDeclined        Code = "DECLINED"         // the callee declined
	CodeTimedOut        Code = "TIMED_OUT"        // no stage reported an end in time
	CodeAppKilled       Code = "APP_KILLED"       // iOS terminated the app (PushKit contract)
	CodeNotificationErr Code = "NOTIFICATION_ERR" // the notification could not be shown
)

// Codes for what APNs's store-and-forward did (the mock's faults): a delivery
// so late, or so out of order, that the app did the wrong thing with it.
const (
	CodeDeliveredLate Code = "DELIVERED_LATE"         // APNs held the push until the app dropped it as stale
	CodeOutOfOrder    Code = "DELIVERED_OUT_OF_ORDER" // APNs delivered a newer push first and the app acted on that order
)

// Diagnosis says where and why a request failed, in the words an iOS engineer
// would search for.
type Diagnosis struct {
	Stage Stage `json:"stage"`
	Code  Code  `json:"code"`
	// Apple is Apple's own name for the error, when there is one: an APNs
	// reason ("BadDeviceToken"), a CallKit error case, a termination code.
	Apple string `json:"apple,omitempty"`
	// Detail says what happened to this request.
	Detail string `json:"detail"`
	// Hint is a one-line suggestion for the engineer.
	Hint string `json:"hint,omitempty"`
	// Warning marks a diagnosis that did not stop the request (a push
	// opened with a rotated key): worth knowing, not where the path ended.
	Warning bool `json:"warning,omitempty"`
}

func (d Diagnosis) String() string {
	s := fmt.Sprintf("%s: %s", d.Stage, d.Code)
	if d.Apple != "" {
		s += " (" + d.Apple + ")"
	}
	if d.Detail != "" {
		s += ": " + d.Detail
	}
	return s
}

// Error lets a Diagnosis travel as an error value inside a stage.
func (d *Diagnosis) Error() string { return d.String() }
