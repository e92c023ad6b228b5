package device

// Finding is one S0 precondition a profile breaks (docs/device-rules.md S0: "a
// simulator should lint these"), with the catalogue id of what it causes.
type Finding struct {
	Field  string // the profile key
	Source string // F-xx, or the device rule (S0.1, S3) where no failure has one
	Text   string
}

func (f Finding) String() string { return f.Field + " (" + f.Source + "): " + f.Text }

// Lint lists the static preconditions the profile breaks, before any push is
// sent; the default profile has none. Each one is also enforced where iOS
// enforces it (S2–S7), so a run shows the consequence.
func (p Profile) Lint() []Finding {
	var out []Finding
	add := func(ok bool, field, source, text string) {
		if !ok {
			out = append(out, Finding{Field: field, Source: source, Text: text})
		}
	}
	add(p.AtLeast(14, 5), "ios", "S0.1", "reportNewIncomingVoIPPushPayload needs iOS 14.5")
	add(p.AlertsEnabled, "alerts_enabled", "F-03", "alerts are off for the app: iOS never runs the NSE")
	add(p.NSEInstalled, "nse_installed", "F-04", "no Notification Service Extension is embedded")
	add(p.FilteringEntitlement, "filtering_entitlement", "F-09", "the NSE lacks com.apple.developer.usernotifications.filtering")
	add(p.PushKitDelegate, "pushkit_delegate", "F-15", "PKPushRegistry and its delegate are not set up at launch")
	add(p.ReportsCall, "reports_call", "F-14", "the PushKit delegate does not report calls to CallKit")
	add(p.VoIPBackgroundMode, "voip_background_mode", "F-26", "UIBackgroundModes lacks voip")
	add(p.KeysAfterFirstUnlock, "keys_after_first_unlock", "F-12", "the NSE's keys are unreadable while the phone is locked")
	add(p.Region != "CN", "region", "F-27", "CallKit must not be used in the China region")
	add(p.NSEMemoryMB <= p.NSEMemoryCapMB, "nse_memory_mb", "F-07", "the extension needs more memory than the cap")
	add(p.NSEStartup <= p.NSEStartupMax, "nse_startup", "F-08", "the extension's start-up is longer than iOS allows")
	add(p.NSEWork <= p.NSEBudget, "nse_work", "S3", "the extension's work outlasts its time budget")
	add(p.DelegateBlock <= p.ReportDeadline, "delegate_block", "F-15", "the PushKit delegate blocks past callservicesd's deadline")
	add(!p.RelaysHangups, "relays_hangups", "F-21", "the NSE relays hang-ups the app cannot report")
	add(!p.ContentHandlerFirst, "content_handler_first", "F-11", "the NSE calls its content handler before relaying the call")
	add(p.AnswerFulfill <= p.ActionTimeout, "answer_fulfill", "F-29", "the app fulfils CXAnswerCallAction after its timeout")
	add(!p.NSEHoldsDBLock, "nse_holds_db_lock", "F-13", "the NSE holds a shared database lock when it is suspended (0xdead10cc)")
	add(p.RegistersVoIP, "registers_voip", "F-31", "PKPushRegistry.desiredPushTypes lacks .voIP: relayed calls reach no app")
	add(!p.APNsLinkCut, "apns_link_cut", "F-32", "power policy cuts the idle device's connection to APNs: pushes wait in APNs's store")
	add(!p.ProviderOffMain, "provider_off_main", "F-30", "the CXProvider is created off the main thread: providerDidBegin never comes")
	return out
}
