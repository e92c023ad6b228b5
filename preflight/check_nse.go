package preflight

import (
	"fmt"
	"slices"
	"strings"
)

// servicePoint is the extension point of a Notification Service Extension.
const servicePoint = "com.apple.usernotifications.service"

const filtering = "com.apple.developer.usernotifications.filtering"

// findNSEs returns the notification service extensions among b's PlugIns
// and the finding that says whether there is one.
func findNSEs(b *Bundle) ([]Component, Finding) {
	f := Finding{Check: CheckNSEPackaged, File: "PlugIns", Key: "NSExtension.NSExtensionPointIdentifier", Source: srcNSE}
	var nses []Component
	var others []string
	for _, c := range b.PlugIns {
		point := ""
		if c.Info.Extension != nil {
			point = c.Info.Extension.PointIdentifier
		}
		if point == servicePoint {
			nses = append(nses, c)
			continue
		}
		others = append(others, fmt.Sprintf("%s (%s)", c.Dir, orNone(point)))
	}
	if len(nses) > 0 {
		var dirs []string
		for _, c := range nses {
			dirs = append(dirs, c.Dir)
		}
		f.Status, f.File = Pass, nses[0].File("Info.plist")
		f.Detail = servicePoint + " in " + strings.Join(dirs, ", ")
		return nses, f
	}
	f.Status = Fail
	f.Detail = "no PlugIns/*.appex with extension point " + servicePoint
	if len(others) > 0 {
		f.Detail += "; found " + strings.Join(others, ", ")
	}
	if len(b.Misplaced) > 0 {
		f.Detail += "; " + strings.Join(b.Misplaced, ", ") + " built as an .app, not an .appex"
	}
	f.Failure = "iOS has no extension to hand the alert push to: the placeholder alert shows and the call never rings"
	f.Catalogue = []string{"F-04"}
	return nil, f
}

func orNone(s string) string {
	if s == "" {
		return "no extension point"
	}
	return s
}

func checkPrincipalClass(nse Component) Finding {
	f := Finding{Check: CheckNSEPrincipalClass, File: nse.File("Info.plist"),
		Key: "NSExtension.NSExtensionPrincipalClass", Source: srcNSExtension}
	if cls := nse.Info.Extension.PrincipalClass; cls != "" {
		f.Status, f.Detail = Pass, cls
		return f
	}
	f.Status, f.Detail = Fail, "absent"
	f.Failure = "iOS cannot create the extension's UNNotificationServiceExtension object: the NSE never runs, the placeholder alert shows and the call never rings"
	f.Catalogue = []string{"F-04"}
	return f
}

func checkNSEBundleID(app, nse Component) Finding {
	f := Finding{Check: CheckNSEBundleID, File: nse.File("Info.plist"), Key: "CFBundleIdentifier", Source: srcExtBundleID}
	id, parent := nse.Info.BundleID, app.Info.BundleID
	rest, ok := strings.CutPrefix(id, parent+".")
	switch {
	case !ok || rest == "":
		f.Status = Fail
		f.Detail = fmt.Sprintf("%q does not start with the app's %q and a dot", id, parent+".")
		f.Failure = "iOS refuses to install an app whose extension's bundle id is not prefixed by the app's: no NSE on the phone, no call"
		f.Catalogue = []string{"F-04"}
	case strings.Contains(rest, "."):
		f.Status = Warn
		f.Detail = fmt.Sprintf("%q has more than one part after the app's %q", id, parent)
		f.Failure = "App Store Connect rejects an extension id with more than one dot after the app's id"
	default:
		f.Status, f.Detail = Pass, id
	}
	return f
}

func checkFiltering(nse Component) Finding {
	f := Finding{Check: CheckNSEFiltering, File: nse.File("embedded.mobileprovision"),
		Key: "Entitlements." + filtering, Source: srcFiltering, Catalogue: []string{"F-09", "F-10"}}
	v, present := nse.Profile.Bool(filtering)
	if v {
		if g, lacks := signedLacks(f, nse, filtering, true); lacks {
			g.Failure = failFiltering
			return g
		}
		f.Status, f.Detail, f.Catalogue = Pass, "true", nil
		return f
	}
	f.Status = Fail
	f.Detail = "absent: the profile does not grant it"
	if present {
		f.Detail = "not true: the profile does not grant it"
	}
	f.Failure = failFiltering
	return f
}

const failFiltering = "reportNewIncomingVoIPPushPayload fails with missingNotificationFilteringEntitlement (code 2), so the call never rings; " +
	"and the extension cannot silence the alert, so every call also shows as a notification"

func checkAppGroup(app, nse Component) Finding {
	f := Finding{Check: CheckAppGroup, File: nse.File("embedded.mobileprovision"),
		Key: "Entitlements.com.apple.security.application-groups", Source: srcAppGroups}
	if app.Profile == nil || nse.Profile == nil {
		f.Status, f.Detail = Skip, "needs both the app's and the extension's provisioning profile"
		return f
	}
	appGroups, appFrom, _ := groups(app)
	nseGroups, nseFrom, key := groups(nse)
	f.File, f.Key = nseFrom, key
	var shared []string
	for _, g := range nseGroups {
		if slices.Contains(appGroups, g) {
			shared = append(shared, g)
		}
	}
	if len(shared) > 0 {
		f.Status, f.Detail = Pass, "shared with the app: "+strings.Join(shared, ", ")
		return f
	}
	f.Status = Fail
	f.Detail = fmt.Sprintf("%s has %v, %s has %v: no group in common", appFrom, orEmpty(appGroups), nseFrom, orEmpty(nseGroups))
	f.Failure = "the NSE cannot open the container where the app keeps the device key and the replay cache: decrypting fails, the placeholder alert shows and the call never rings"
	f.Catalogue = []string{"F-12"}
	return f
}

func orEmpty(s []string) any {
	if len(s) == 0 {
		return "none"
	}
	return s
}
