package preflight

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// expirySoon is how close to expiry a profile earns a warning: a build
// handed to testers today should still launch next week.
const expirySoon = 7 * 24 * time.Hour

// relayMinOS is the first iOS with reportNewIncomingVoIPPushPayload.
var relayMinOS = []int{14, 5}

func checkApplicationID(c Component) Finding {
	f := Finding{Check: CheckApplicationID, File: c.File("embedded.mobileprovision"),
		Key: "Entitlements.application-identifier", Source: srcProfiles}
	id, ok := c.Profile.String("application-identifier")
	if !ok {
		f.Status, f.Detail = Fail, "absent"
		f.Failure = "a profile that names no App ID covers no bundle: iOS refuses to install the build"
		return f
	}
	// PREFIX.BUNDLE-ID, where the App ID part may end in a wildcard.
	_, appID, _ := strings.Cut(id, ".")
	bundle := c.Info.BundleID
	if appID == bundle || appID == "*" || (strings.HasSuffix(appID, ".*") && strings.HasPrefix(bundle, strings.TrimSuffix(appID, "*"))) {
		f.Status, f.Detail = Pass, fmt.Sprintf("%s covers %s", id, bundle)
		return f
	}
	f.Status = Fail
	f.Detail = fmt.Sprintf("%s does not cover CFBundleIdentifier %s (%s)", id, bundle, c.File("Info.plist"))
	f.Failure = "the profile is for another App ID: iOS refuses to install the build, so nothing on the call path runs"
	if c.Dir != "" {
		f.Catalogue = []string{"F-04"}
	}
	return f
}

func checkExpiry(c Component, now time.Time) Finding {
	f := Finding{Check: CheckProfileExpiry, File: c.File("embedded.mobileprovision"), Key: "ExpirationDate", Source: srcProfiles}
	exp := c.Profile.ExpirationDate
	switch {
	case exp.IsZero():
		f.Status, f.Detail = Warn, "absent: cannot tell when the profile stops working"
		f.Failure = "a profile past its expiry stops the build from launching"
	case !now.Before(exp):
		f.Status, f.Detail = Fail, "expired "+exp.UTC().Format(time.RFC3339)
		f.Failure = "iOS will not launch a development or ad hoc build whose profile has expired: no NSE runs and the app never opens the call (App Store builds are re-signed by Apple)"
	case exp.Sub(now) < expirySoon:
		f.Status, f.Detail = Warn, "expires "+exp.UTC().Format(time.RFC3339)+", within a week"
		f.Failure = "from then on iOS will not launch this build: no NSE, no call"
	default:
		f.Status, f.Detail = Pass, "expires "+exp.UTC().Format(time.RFC3339)
	}
	return f
}

func checkAPSEnvironment(app Component, env Environment) Finding {
	f := Finding{Check: CheckAPSEnvironment, File: app.File("embedded.mobileprovision"),
		Key: "Entitlements.aps-environment", Source: srcAPS}
	got, ok := app.Profile.String("aps-environment")
	want := env.apsValue()
	switch {
	case !ok:
		f.Status, f.Detail = Fail, "absent: the app has no push notifications capability"
		f.Failure = "the app cannot register for remote notifications, so it has no APNs token for the alert push that carries the call"
	case got == want:
		if g, lacks := signedLacks(f, app, "aps-environment", got); lacks {
			g.Failure = "iOS goes by the signed entitlement: without it the app cannot register for remote notifications, and one that differs from the profile's stops the app from launching"
			return g
		}
		f.Status, f.Detail = Pass, fmt.Sprintf("%s, matching APNs %s", got, env)
	case got != "development" && got != "production":
		f.Status, f.Detail = Fail, fmt.Sprintf("%q: want development or production", got)
		f.Failure = "the app cannot register for remote notifications: no APNs token, no alert push"
	default:
		other := Sandbox
		if got == "production" {
			other = Production
		}
		f.Status = Fail
		f.Detail = fmt.Sprintf("%s, but pushes go to APNs %s (%s wants aps-environment %s)", got, env, env, want)
		f.Failure = fmt.Sprintf("the app's device tokens are for APNs %s: pushed to %s they are refused (400 BadDeviceToken) and the call never leaves APNs", other, env)
		f.Catalogue = []string{"F-06"}
	}
	return f
}

func checkVoIPMode(app Component) Finding {
	f := Finding{Check: CheckVoIPMode, File: app.File("Info.plist"), Key: "UIBackgroundModes", Source: srcVoIPMode}
	if slices.Contains(app.Info.BackgroundModes, "voip") {
		f.Status, f.Detail = Pass, fmt.Sprintf("voip among %v", app.Info.BackgroundModes)
		return f
	}
	f.Status = Fail
	f.Detail = fmt.Sprintf("no voip in %v", app.Info.BackgroundModes)
	if app.Info.BackgroundModes == nil {
		f.Detail = "absent: no voip"
	}
	f.Failure = "CallKit refuses the app as unentitled: the relayed call's reportNewIncomingCall fails and it never rings"
	f.Catalogue = []string{"F-26"}
	return f
}

// checkDeploymentTarget checks c's MinimumOSVersion; for an extension it
// also compares it with the app's (parent), since iOS does not run an
// extension on an iOS older than its own target.
func checkDeploymentTarget(c Component, parent *Component) Finding {
	f := Finding{Check: CheckDeploymentTarget, File: c.File("Info.plist"), Key: "MinimumOSVersion", Source: srcRelay}
	v, ok := parseVersion(c.Info.MinimumOSVersion)
	if !ok {
		f.Status, f.Detail = Warn, fmt.Sprintf("%q: not a version, cannot tell which iOS it needs", c.Info.MinimumOSVersion)
		return f
	}
	if parent != nil {
		if pv, ok := parseVersion(parent.Info.MinimumOSVersion); ok && compareVersions(v, pv) > 0 {
			f.Status = Fail
			f.Detail = fmt.Sprintf("iOS %s, above the app's %s (%s)", c.Info.MinimumOSVersion, parent.Info.MinimumOSVersion, parent.File("Info.plist"))
			f.Failure = fmt.Sprintf("on iPhones with iOS %s or later but below %s the app installs but the NSE never runs: the placeholder alert shows and the call never rings", parent.Info.MinimumOSVersion, c.Info.MinimumOSVersion)
			f.Catalogue = []string{"F-04"}
			return f
		}
	}
	if compareVersions(v, relayMinOS) < 0 {
		f.Status = Warn
		f.Detail = fmt.Sprintf("iOS %s, below 14.5", c.Info.MinimumOSVersion)
		f.Failure = "on iPhones below iOS 14.5 reportNewIncomingVoIPPushPayload does not exist: the NSE cannot hand a call to CallKit there (guard it with #available and show a notification instead)"
		return f
	}
	f.Status, f.Detail = Pass, "iOS "+c.Info.MinimumOSVersion
	return f
}

// parseVersion reads "14", "14.5" or "14.5.1".
func parseVersion(s string) ([]int, bool) {
	parts := strings.Split(s, ".")
	if s == "" || len(parts) > 3 {
		return nil, false
	}
	v := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nil, false
		}
		v[i] = n
	}
	return v, true
}

func compareVersions(a, b []int) int {
	for i := 0; i < max(len(a), len(b)); i++ {
		var x, y int
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			return cmp.Compare(x, y)
		}
	}
	return 0
}
