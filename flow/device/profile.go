package device

import "time"

// Profile is what a simulated iPhone and the callee's app build look like.
// The defaults model a correctly built app on a current iPhone.
type Profile struct {
	Name string // shown on screen, e.g. "iPhone"
	IOS  string // e.g. "18.2"

	AlertsEnabled        bool // the user allows the app's notifications (else no NSE)
	NSEInstalled         bool // the extension is packaged and registered
	FilteringEntitlement bool // com.apple.developer.usernotifications.filtering
	PushKitDelegate      bool // PKPushRegistry and delegate set up at launch
	ReportsCall          bool // the app calls reportNewIncomingCall from its PushKit delegate

	AppLaunch    time.Duration // simulated: the system launching the app in the background
	NSEBudget    time.Duration // simulated: serviceExtensionTimeWillExpire after this
	RingTimeout  time.Duration // simulated: iOS 16+ ends an unanswered incoming call (field report)
	AnswerAfter  time.Duration // simulated: how long the callee takes to answer
	AnswerPolicy AnswerPolicy
}

// AnswerPolicy is what the simulated callee does when the phone rings.
type AnswerPolicy string

const (
	AnswerAuto    AnswerPolicy = "answer"  // answer after AnswerAfter
	AnswerDecline AnswerPolicy = "decline" // decline after AnswerAfter
	AnswerIgnore  AnswerPolicy = "ignore"  // let it ring out
	AnswerManual  AnswerPolicy = "manual"  // wait for Answer/Decline (the screen's a and d)
)

// DefaultProfile is a current iPhone with a correctly built app.
func DefaultProfile() Profile {
	return Profile{
		Name:                 "iPhone",
		IOS:                  "18.2",
		AlertsEnabled:        true,
		NSEInstalled:         true,
		FilteringEntitlement: true,
		PushKitDelegate:      true,
		ReportsCall:          true,
		AppLaunch:            350 * time.Millisecond,
		NSEBudget:            30 * time.Second,
		RingTimeout:          60 * time.Second,
		AnswerAfter:          2 * time.Second,
		AnswerPolicy:         AnswerAuto,
	}
}
