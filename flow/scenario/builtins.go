package scenario

import (
	"time"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/device"
)

// profile returns the default profile changed by f.
func profile(f func(*device.Profile)) device.Profile {
	p := device.DefaultProfile()
	if f != nil {
		f(&p)
	}
	return p
}

func call(name, source, injects, desc string, e Expect) Scenario {
	return Scenario{Name: name, Source: source, Injects: injects, Description: desc, Kind: flow.KindCall,
		Expect: e, Profile: device.DefaultProfile()}
}

func fails(stage flow.Stage, code flow.Code, apple string) Expect {
	return Expect{Outcome: flow.OutcomeFailed, Stage: stage, Code: code, Apple: apple}
}

// Builtins returns the scenarios callscope ships with.
func Builtins() []Scenario {
	var out []Scenario
	add := func(s Scenario, mod func(*Scenario)) {
		if mod != nil {
			mod(&s)
		}
		out = append(out, s)
	}
	ext, ck, apns := flow.StageExtension, flow.StageCallKit, flow.StageAPNs

	// Happy paths.
	add(call("audio-call", "docs/device-rules.md", "none", "an audio call rings and is answered", Expect{Outcome: flow.OutcomeConnected}), nil)
	add(call("video-call", "docs/device-rules.md", "none", "a video call rings and is answered", Expect{Outcome: flow.OutcomeConnected}),
		func(s *Scenario) { s.Video = true })
	add(call("message", "docs/receiver-checks.md", "none", "a message is decrypted and shown as a rewritten notification", Expect{Outcome: flow.OutcomeShown}),
		func(s *Scenario) { s.Kind = flow.KindMessage })
	add(call("two-devices", "docs/device-rules.md S8", "none", "iPhone and iPad ring; the iPhone answers, the iPad ends with answeredElsewhere",
		Expect{Outcome: flow.OutcomeConnected}), func(s *Scenario) {
		s.ExtraDevices = []device.Profile{profile(func(p *device.Profile) {
			// Nobody touches the iPad: only iOS's ring limit would end it,
			// 58 s after the iPhone acted in simulated time.
			p.Name, p.Model, p.AnswerPolicy = "iPad", "iPad Air", device.AnswerIgnore
		})}
	})
	add(call("two-devices-declined", "docs/device-rules.md S10", "none", "iPhone and iPad ring; the iPhone declines, the iPad ends with declinedElsewhere",
		Expect{Outcome: flow.OutcomeDeclined}), func(s *Scenario) {
		s.Profile.AnswerPolicy = device.AnswerDecline
		s.ExtraDevices = []device.Profile{profile(func(p *device.Profile) {
			// Nobody touches the iPad: only iOS's ring limit would end it,
			// 58 s after the iPhone acted in simulated time.
			p.Name, p.Model, p.AnswerPolicy = "iPad", "iPad Air", device.AnswerIgnore
		})}
	})

	// The server's push and the NSE launch gate (S2).
	add(call("no-mutable-content", "F-01", "push", "the server leaves out aps.mutable-content: iOS shows the placeholder and never runs the NSE",
		fails(ext, flow.CodeNSENotRun, "")), func(s *Scenario) { s.Push.OmitMutableContent = true })
	add(call("no-alert-text", "F-02", "push", "a sound-only payload without title or body: the NSE does not run",
		fails(ext, flow.CodeNSENotRun, "")), func(s *Scenario) { s.Push.NoAlertText = true })
	add(call("alerts-disabled", "F-03", "profile", "the user turned off the app's notifications: the NSE is never employed",
		fails(ext, flow.CodeNSENotRun, "")), func(s *Scenario) { s.Profile.AlertsEnabled = false })
	add(call("nse-not-packaged", "F-04", "profile", "the extension is not embedded as an .appex: no plugin matches the push",
		fails(ext, flow.CodeNSENotRun, "")), func(s *Scenario) { s.Profile.NSEInstalled = false })

	// The extension running (S3–S5).
	add(call("nse-memory-limit", "F-07", "profile", "the NSE loads 30 MB and jetsam kills it at 24 MB",
		fails(ext, device.CodeNSEKilled, "EXC_RESOURCE")), func(s *Scenario) { s.Profile.NSEMemoryMB = 30 })
	add(call("nse-slow-startup", "F-08", "profile", "8 s of work in the NSE's init: killed while starting up",
		fails(ext, device.CodeNSEKilled, "used its runtime in starting up")), func(s *Scenario) { s.Profile.NSEStartup = 8 * time.Second })
	add(call("nse-time-budget", "docs/device-rules.md S3", "profile", "the NSE waits 35 s on the network: serviceExtensionTimeWillExpire, original alert shown",
		fails(ext, device.CodeNSETimeExpired, "serviceExtensionTimeWillExpire")), func(s *Scenario) { s.Profile.NSEWork = 35 * time.Second })
	add(call("no-filtering-entitlement", "F-09", "profile", "the NSE lacks the filtering entitlement: reportNewIncomingVoIPPushPayload fails with code 2",
		fails(ext, flow.CodeReportFailed, "missingNotificationFilteringEntitlement")), func(s *Scenario) { s.Profile.FilteringEntitlement = false })
	add(call("placeholder-banner", "F-10", "profile", "without the entitlement the call rings but the \"New message\" banner shows too",
		Expect{Outcome: flow.OutcomeConnected, Stage: ext, Code: device.CodeNotSilenced, Apple: "filtering"}), func(s *Scenario) {
		s.Profile.FilteringEntitlement, s.Profile.MissingEntitlement = false, "unsilenced"
	})
	add(call("report-after-content-handler", "F-11", "profile", "the NSE calls its content handler first, then relays the call",
		fails(ext, device.CodeInvalidProcess, "invalidClientProcess")), func(s *Scenario) { s.Profile.ContentHandlerFirst = true })
	add(call("locked-keychain", "F-12", "profile", "the device key is WhenUnlocked and the phone is locked",
		fails(ext, device.CodeKeysLocked, "errSecInteractionNotAllowed")), func(s *Scenario) {
		s.Profile.Locked, s.Profile.KeysAfterFirstUnlock = true, false
	})
	add(call("before-first-unlock", "F-12", "profile", "the phone rebooted and was not unlocked: nothing is readable",
		fails(ext, device.CodeKeysLocked, "errSecInteractionNotAllowed")), func(s *Scenario) { s.Profile.BeforeFirstUnlock = true })
	add(call("late-delivery", "F-18", "mock fault", "APNs holds the invite 20 s (--delay alert=20s); the app drops rings older than 10 s, so the callee gets a missed call",
		fails(apns, flow.CodeDeliveredLate, "")), func(s *Scenario) {
		s.APNs.Delay, s.Profile.FreshnessLimit = []string{"alert=20s"}, 10*time.Second
	})
	add(call("late-delivery-past-ttl", "F-18", "mock fault", "APNs holds the invite 90 s (--delay 90s), past the envelope's ts + ttl: the NSE refuses it (E_EXPIRED) and the call never rings",
		fails(apns, flow.CodeDeliveredLate, "")), func(s *Scenario) { s.APNs.Delay = []string{"90s"} })
	add(call("late-delivery-expiration-zero", "F-18", "mock fault", "the call push is sent with apns-expiration 0 while the phone is offline; APNs keeps it anyway (--hold-while-offline) and delivers it 25 s after the phone comes back (--delay 25s): a missed call",
		fails(apns, flow.CodeDeliveredLate, "")), func(s *Scenario) {
		s.Push.ExpirationZero, s.APNs.Offline, s.APNs.Reconnect = true, true, true
		s.APNs.HoldWhileOffline, s.APNs.Delay, s.Profile.FreshnessLimit = []string{"all"}, []string{"25s"}, 10*time.Second
	})
	add(call("ios-too-old", "docs/device-rules.md S0", "profile", "iOS 14.4 has no reportNewIncomingVoIPPushPayload",
		fails(ext, device.CodeCallKitOff, "")), func(s *Scenario) { s.Profile.IOS = "14.4" })
	add(call("china-region", "F-27", "profile", "CallKit must be off in the China region: no call UI",
		fails(ext, device.CodeCallKitOff, "")), func(s *Scenario) { s.Profile.Region = "CN" })

	add(call("nse-suspended-holding-lock", "F-13", "profile", "the NSE calls its content handler with the shared database still locked: the call rings, and iOS kills the suspended NSE with 0xdead10cc",
		Expect{Outcome: flow.OutcomeConnected, Stage: ext, Code: device.CodeNSEKilled, Apple: "0xdead10cc"}), func(s *Scenario) { s.Profile.NSEHoldsDBLock = true })

	// The app and CallKit (S6–S10).
	add(call("app-never-reports", "F-14", "profile", "the PushKit delegate returns without reportNewIncomingCall",
		fails(ck, flow.CodeAppKilled, "never posted an incoming call")), func(s *Scenario) { s.Profile.ReportsCall = false })
	add(call("no-pushkit-delegate", "F-15", "profile", "PKPushRegistry's delegate is not set at launch",
		fails(ck, flow.CodeAppKilled, "0xbaadca11")), func(s *Scenario) { s.Profile.PushKitDelegate = false })
	add(call("delegate-blocks", "F-15", "profile", "the PushKit delegate blocks 9 s on the network before reporting",
		fails(ck, flow.CodeAppKilled, "0xbaadca11")), func(s *Scenario) { s.Profile.DelegateBlock = 9 * time.Second })
	add(call("voip-blocked", "F-16", "profile", "after 3 unreported pushes iOS stops launching the app for VoIP",
		fails(ck, device.CodeVoIPBlocked, "failed to report an incoming call too many times")), func(s *Scenario) { s.Profile.VoIPFailures = 3 })
	add(call("message-as-voip-push", "F-17", "push", "the server sends a message as a voip push: the app cannot report a call and is killed",
		fails(ck, flow.CodeAppKilled, "never posted an incoming call")), func(s *Scenario) {
		s.Kind, s.Push.PushType, s.Push.TopicSuffix = flow.KindMessage, "voip", ".voip"
	})
	add(call("hangup-before-invite", "F-20", "mock fault", "the caller hangs up at once; APNs delivers the two pushes newest first (--reorder 2), and an app that does not remember early hang-ups rings for an ended call",
		fails(apns, flow.CodeOutOfOrder, "")), func(s *Scenario) {
		s.Sender.Hangup, s.APNs.Reorder, s.Profile.ChecksHangups = "after", []string{"2"}, false
		s.Expect.Outcome = flow.OutcomeConnected
	})
	add(call("nse-relays-hangup", "F-21", "profile", "the NSE relays a hang-up to CallKit and the app, with nothing to report, is killed",
		fails(ck, flow.CodeAppKilled, "never posted an incoming call")), func(s *Scenario) {
		s.Sender.Hangup, s.Profile.RelaysHangups = "after", true
		s.Expect.Outcome = flow.OutcomeConnected
	})
	add(call("duplicate-call-uuid", "F-22", "sender", "two invites with one call UUID: the second report fails",
		fails(ck, flow.CodeIncomingFailed, "callUUIDAlreadyExists")), func(s *Scenario) {
		s.Sender.DuplicateUUID = true
		s.Expect.Outcome = flow.OutcomeConnected
	})
	add(call("do-not-disturb", "F-23", "profile", "Focus is on and the caller is not allowed through",
		fails(ck, device.CodeFiltered, "filteredByDoNotDisturb")), func(s *Scenario) { s.Profile.DoNotDisturb = true })
	add(call("caller-blocked", "F-24", "profile", "the callee blocked the caller",
		fails(ck, device.CodeFiltered, "filteredByBlockList")), func(s *Scenario) { s.Profile.Blocked = []string{"alice@example.org"} })
	add(call("call-groups-full", "F-25", "profile", "maximumCallGroups is 1 and another call is still up",
		fails(ck, device.CodeCallLimit, "maximumCallGroupsReached")), func(s *Scenario) {
		s.Profile.MaximumCallGroups, s.Profile.ActiveCalls = 1, 1
	})
	add(call("no-voip-background-mode", "F-26", "profile", "UIBackgroundModes lacks voip: CallKit refuses the app",
		fails(ck, flow.CodeIncomingFailed, "unentitled")), func(s *Scenario) { s.Profile.VoIPBackgroundMode = false })
	add(call("provider-off-main", "F-30", "profile", "the CXProvider is created off the main thread: providerDidBegin never comes, and the app, waiting for it, never reports the call",
		fails(ck, flow.CodeAppKilled, "never posted an incoming call")), func(s *Scenario) { s.Profile.ProviderOffMain = true })
	add(call("no-voip-registration", "F-31", "profile", "the app never sets desiredPushTypes to .voIP: the NSE's relay succeeds, but no app gets the call",
		fails(ck, device.CodeNotLaunched, "")), func(s *Scenario) { s.Profile.RegistersVoIP = false })
	add(call("ring-timeout", "F-28", "profile", "nobody answers: iOS ends the call after 60 s",
		Expect{Outcome: flow.OutcomeUnanswered, Stage: ck, Code: flow.CodeUnanswered, Apple: "CXCallEndedReason.unanswered"}),
		func(s *Scenario) { s.Profile.AnswerPolicy = device.AnswerIgnore })
	add(call("answer-not-fulfilled", "F-29", "profile", "the app fulfils CXAnswerCallAction after its timeout",
		fails(ck, device.CodeActionTimedOut, "timedOutPerforming")), func(s *Scenario) { s.Profile.AnswerFulfill = 12 * time.Second })

	add(call("offline-call-replaced", "F-19", "mock fault", "the phone is offline; a later message replaces the stored call push, so the call never arrives",
		fails(apns, flow.CodeNotDelivered, "")), func(s *Scenario) {
		s.APNs.Offline, s.Sender.FollowUp = true, true
	})

	add(call("apns-link-cut", "F-32", "profile", "the iPhone links to APNs, then power policy cuts its idle TLS connection (apsd, S1): the mock sees the link drop and stores the call push, and the phone does not come back while the caller waits",
		fails(apns, flow.CodeNotDelivered, "")), func(s *Scenario) { s.Profile.APNsLinkCut = true })

	// APNs rejections.
	add(call("token-other-environment", "F-06", "profile", "a TestFlight build (aps-environment production) registers its token; the server pushes to the sandbox, which answers BadDeviceToken",
		fails(apns, flow.CodeAPNsRejected, "BadDeviceToken")), func(s *Scenario) { s.Profile.Environment = "production" })
	add(call("expired-provider-token", "docs/apns-rules.md", "provider", "the provider's clock is 2 h behind: the JWT's iat is too old",
		fails(apns, flow.CodeAPNsRejected, "ExpiredProviderToken")), func(s *Scenario) { s.APNs.JWTAge = 2 * time.Hour })
	add(call("payload-too-large", "docs/apns-rules.md", "sender", "a 4 KB caller name pushes the alert payload over 4096 bytes",
		fails(apns, flow.CodeAPNsRejected, "PayloadTooLarge")), func(s *Scenario) { s.Sender.PadBytes = 4000 })
	add(call("unregistered-token", "docs/apns-rules.md", "mock fault", "the app was removed: APNs answers 410 Unregistered",
		fails(apns, flow.CodeAPNsRejected, "Unregistered")), func(s *Scenario) { s.APNs.Unregistered = true })

	// Crypto receiver errors (docs/receiver-checks.md).
	add(call("wrong-key", "docs/receiver-checks.md", "crypto", "sealed for a key the device no longer holds (stale key directory)",
		fails(ext, "E_KID_UNKNOWN", "")), func(s *Scenario) { s.Sender.WrongKey = true })
	add(call("misrouted-rcpt", "docs/receiver-checks.md", "crypto", "sealed for another device's token (stale registration)",
		fails(ext, "E_RCPT", "")), func(s *Scenario) { s.Sender.MisrouteRcpt = true })
	add(call("expired-envelope", "docs/receiver-checks.md", "crypto", "the caller's clock is 5 min slow: the envelope's ts + ttl is already past when the NSE opens it",
		fails(ext, "E_EXPIRED", "")), func(s *Scenario) { s.Sender.Backdate = 5 * time.Minute })
	add(call("replayed-envelope", "docs/receiver-checks.md", "crypto", "the same envelope is posted twice (a retry or a replay): the second is refused",
		fails(ext, "E_REPLAY", "")), func(s *Scenario) {
		s.Sender.Replay = true
		s.Expect.Outcome = flow.OutcomeConnected
	})
	add(call("tampered-ciphertext", "docs/receiver-checks.md", "crypto", "one bit of the ciphertext is flipped after sealing, on the way",
		fails(ext, "E_AUTH", "")), func(s *Scenario) { s.Sender.TamperCT = true })
	return append(out, cryptoScenarios()...)
}
