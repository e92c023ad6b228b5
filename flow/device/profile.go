package device

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Profile is what a simulated iPhone and the callee's app build look like:
// the static preconditions of S0 and the parameters of docs/device-rules.md#parameters. The
// defaults model a correctly built app on a current iPhone. Profiles load from
// TOML with the keys of the toml tags.
type Profile struct {
	Name  string `toml:"name"`  // shown on screen, e.g. "iPhone"
	Model string `toml:"model"` // e.g. "iPhone 16"
	IOS   string `toml:"ios"`   // e.g. "18.2"; reportNewIncomingVoIPPushPayload needs 14.5

	// S0 preconditions.
	AlertsEnabled        bool `toml:"alerts_enabled"`        // the user allows the app's notifications (else no NSE)
	NSEInstalled         bool `toml:"nse_installed"`         // the .appex is packaged and registered
	FilteringEntitlement bool `toml:"filtering_entitlement"` // com.apple.developer.usernotifications.filtering
	// MissingEntitlement is what reportNewIncomingVoIPPushPayload does
	// without the entitlement: "error" (code 2, Apple's docs and a measured
	// run) or "unsilenced" (the call rings but the banner shows, as an Apple
	// engineer was quoted): docs/device-rules.md#contested-points.
	MissingEntitlement   string `toml:"missing_entitlement"`
	PushKitDelegate      bool   `toml:"pushkit_delegate"`        // PKPushRegistry and delegate set up at launch
	ReportsCall          bool   `toml:"reports_call"`            // the app calls reportNewIncomingCall in its PushKit delegate
	VoIPBackgroundMode   bool   `toml:"voip_background_mode"`    // UIBackgroundModes has voip
	KeysAfterFirstUnlock bool   `toml:"keys_after_first_unlock"` // key material readable while locked (…AfterFirstUnlock)
	Locked               bool   `toml:"locked"`
	BeforeFirstUnlock    bool   `toml:"before_first_unlock"` // rebooted and not yet unlocked
	Region               string `toml:"region"`              // CallKit must be off in CN
	Environment          string `toml:"environment"`         // aps-environment of the build: sandbox or production

	// Focus, block list and call limits (reportNewIncomingCall checks).
	DoNotDisturb      bool     `toml:"do_not_disturb"`
	AllowedCallers    []string `toml:"allowed_callers"` // allowed through Focus
	Blocked           []string `toml:"blocked"`         // the system block list
	MaximumCallGroups int      `toml:"maximum_call_groups"`
	ActiveCalls       int      `toml:"active_calls"` // calls already up when the push arrives

	// NSE limits.
	NSEMemoryCapMB int           `toml:"nse_memory_cap_mb"` // jetsam limit, 24 MB on current iPhones
	NSEMemoryMB    int           `toml:"nse_memory_mb"`     // what the extension uses to open a push
	NSEStartup     time.Duration `toml:"nse_startup"`       // simulated: work in init / on the main thread
	NSEStartupMax  time.Duration `toml:"nse_startup_max"`   // killed "in starting up" beyond this
	NSEWork        time.Duration `toml:"nse_work"`          // simulated: fetching or decrypting beyond the crypto
	NSEBudget      time.Duration `toml:"nse_budget"`        // serviceExtensionTimeWillExpire after this
	RelaysHangups  bool          `toml:"relays_hangups"`    // the NSE relays non-offer call events to CallKit
	// ChecksHangups: the NSE remembers hang-ups for calls it has not seen and
	// drops their late invites.
	ChecksHangups bool `toml:"checks_hangups"`
	// ContentHandlerFirst: the extension calls its content handler before
	// reportNewIncomingVoIPPushPayload, so it no longer answers a request.
	ContentHandlerFirst bool `toml:"content_handler_first"`
	// NSEHoldsDBLock: the extension still holds a lock on the App Group's
	// SQLite database when it calls its content handler; iOS suspends it
	// and kills it with 0xdead10cc (F-13).
	NSEHoldsDBLock bool `toml:"nse_holds_db_lock"`

	// APNsLinkCut: power policy cuts the idle device's persistent connection
	// to APNs (apsd, state S1, F-32): the device links at start, its TLS
	// connection is closed before the call's push, and it does not come
	// back within the run. APNs stores the push for it.
	APNsLinkCut bool `toml:"apns_link_cut"`

	// PushKit and CallKit.
	// RegistersVoIP: PKPushRegistry.desiredPushTypes includes .voIP; without
	// it a relayed payload has no delegate to go to (F-31).
	RegistersVoIP bool `toml:"registers_voip"`
	// ProviderOffMain: the CXProvider is created off the main thread and its
	// delegate set late, so providerDidBegin never comes and an app that
	// waits for it never reports the call (F-30).
	ProviderOffMain    bool          `toml:"provider_off_main"`
	AppLaunch          time.Duration `toml:"app_launch"`           // simulated: the system launching the app
	DelegateBlock      time.Duration `toml:"delegate_block"`       // simulated: the PushKit delegate blocks before reporting
	ReportDeadline     time.Duration `toml:"report_deadline"`      // callservicesd kills with 0xbaadca11 after this
	VoIPBlockThreshold int           `toml:"voip_block_threshold"` // K failures ⇒ iOS stops launching the app for VoIP
	VoIPFailures       int           `toml:"voip_failures"`        // failures already counted on this device
	RingTimeout        time.Duration `toml:"ring_timeout"`         // iOS 16+ ends an unanswered call (field report); 0 = never
	AnswerAfter        time.Duration `toml:"answer_after"`         // simulated: how long the callee takes
	AnswerPolicy       AnswerPolicy  `toml:"answer"`
	AnswerFulfill      time.Duration `toml:"answer_fulfill"`  // simulated: the app fulfils CXAnswerCallAction after this
	ActionTimeout      time.Duration `toml:"action_timeout"`  // CXAction timeoutDate
	FreshnessLimit     time.Duration `toml:"freshness_limit"` // the NSE drops call invites older than this (0: the envelope ttl only)

	// RotatedKey: the app made a new key after registering and keeps the old
	// one, marked rotated, for late pushes; the server still has the old one.
	RotatedKey bool `toml:"rotated_key"`
}

// AnswerPolicy is what the simulated callee does when the phone rings.
type AnswerPolicy string

const (
	AnswerAuto    AnswerPolicy = "answer"  // answer after AnswerAfter
	AnswerDecline AnswerPolicy = "decline" // decline after AnswerAfter
	AnswerIgnore  AnswerPolicy = "ignore"  // let it ring out
	AnswerManual  AnswerPolicy = "manual"  // wait for Answer/Decline (the screen's a and d)
)

// Canonical spells a policy as the constants do: "auto" is another name
// for AnswerAuto ("answer = answer" reads oddly in a profile file).
func (a AnswerPolicy) Canonical() AnswerPolicy {
	if a == "auto" {
		return AnswerAuto
	}
	return a
}

// UnmarshalText lets a profile file and --device-set say answer = "auto".
func (a *AnswerPolicy) UnmarshalText(b []byte) error {
	*a = AnswerPolicy(b).Canonical()
	return nil
}

// DefaultProfile is a current iPhone with a correctly built app.
func DefaultProfile() Profile {
	return Profile{
		Name:                 "iPhone",
		Model:                "iPhone 16",
		IOS:                  "18.2",
		AlertsEnabled:        true,
		NSEInstalled:         true,
		FilteringEntitlement: true,
		MissingEntitlement:   "error",
		ChecksHangups:        true,
		PushKitDelegate:      true,
		RegistersVoIP:        true,
		ReportsCall:          true,
		VoIPBackgroundMode:   true,
		KeysAfterFirstUnlock: true,
		Region:               "US",
		Environment:          "sandbox",
		MaximumCallGroups:    2,
		NSEMemoryCapMB:       24,
		NSEMemoryMB:          6,
		NSEStartup:           20 * time.Millisecond,
		NSEStartupMax:        5 * time.Second,
		NSEBudget:            30 * time.Second,
		AppLaunch:            350 * time.Millisecond,
		ReportDeadline:       7 * time.Second,
		VoIPBlockThreshold:   3,
		RingTimeout:          60 * time.Second,
		AnswerAfter:          2 * time.Second,
		AnswerPolicy:         AnswerAuto,
		AnswerFulfill:        300 * time.Millisecond,
		ActionTimeout:        10 * time.Second,
	}
}

// Validate checks values that TOML types cannot. The error is a
// *FieldError naming the TOML key, so a loader can add the file and line.
func (p Profile) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	if p.Name == "" {
		// Devices are told apart by name (answeredElsewhere goes to the others).
		return bad("name", "must not be empty")
	}
	if _, _, err := parseIOS(p.IOS); err != nil {
		return bad("ios", "%v", err)
	}
	switch p.MissingEntitlement {
	case "error", "unsilenced":
	default:
		return bad("missing_entitlement", "%q: want error or unsilenced", p.MissingEntitlement)
	}
	switch p.Environment {
	case "sandbox", "production":
	default:
		return bad("environment", "%q: want sandbox or production", p.Environment)
	}
	switch p.AnswerPolicy {
	case AnswerAuto, AnswerDecline, AnswerIgnore, AnswerManual:
	default:
		return bad("answer", "%q: want answer (or auto), decline, ignore or manual", p.AnswerPolicy)
	}
	// In file order, so the first bad key reported is the first one written.
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"nse_startup", p.NSEStartup}, {"nse_startup_max", p.NSEStartupMax}, {"nse_work", p.NSEWork},
		{"nse_budget", p.NSEBudget}, {"app_launch", p.AppLaunch}, {"delegate_block", p.DelegateBlock},
		{"report_deadline", p.ReportDeadline}, {"ring_timeout", p.RingTimeout}, {"answer_after", p.AnswerAfter},
		{"answer_fulfill", p.AnswerFulfill}, {"action_timeout", p.ActionTimeout}, {"freshness_limit", p.FreshnessLimit}} {
		if d.v < 0 {
			return bad(d.key, "must not be negative (got %s)", d.v)
		}
	}
	if p.NSEBudget == 0 {
		return bad("nse_budget", "must be positive: iOS gives the extension about 30s")
	}
	for _, n := range []struct {
		key string
		v   int
	}{{"active_calls", p.ActiveCalls}, {"nse_memory_mb", p.NSEMemoryMB},
		{"voip_block_threshold", p.VoIPBlockThreshold}, {"voip_failures", p.VoIPFailures}} {
		if n.v < 0 {
			return bad(n.key, "must not be negative (got %d)", n.v)
		}
	}
	if p.MaximumCallGroups < 1 {
		return bad("maximum_call_groups", "must be at least 1 (got %d)", p.MaximumCallGroups)
	}
	if p.NSEMemoryCapMB < 1 {
		return bad("nse_memory_cap_mb", "must be at least 1 (got %d)", p.NSEMemoryCapMB)
	}
	return nil
}

// AtLeast reports whether the profile's iOS is at least major.minor.
func (p Profile) AtLeast(major, minor int) bool {
	ma, mi, err := parseIOS(p.IOS)
	return err == nil && (ma > major || ma == major && mi >= minor)
}

func parseIOS(v string) (major, minor int, err error) {
	parts := strings.SplitN(v, ".", 3)
	major, err = strconv.Atoi(parts[0])
	if err == nil && len(parts) > 1 {
		minor, err = strconv.Atoi(parts[1])
	}
	if err != nil || major < 1 {
		return 0, 0, fmt.Errorf("%q is not an iOS version such as 18.2", v)
	}
	return major, minor, nil
}
