package preflight

import (
	"fmt"
	"slices"
)

// checkSigned reports whether the binary's signed entitlements were read:
// the profile says what a binary may claim, the signature what it does
// claim, and iOS goes by both.
func checkSigned(c Component) Finding {
	f := Finding{Check: CheckSigned, File: c.File(c.Info.Executable), Key: "code signature entitlements", Source: srcEntitlements}
	if c.Info.Executable == "" {
		f.File = c.File("Info.plist")
		f.Key = "CFBundleExecutable"
	}
	if c.Signed != nil {
		f.Status, f.Detail = Pass, fmt.Sprintf("%d entitlements signed into the binary", len(c.Signed))
		return f
	}
	if c.Profile == nil {
		// Not signed for a device: the profile check has said so.
		f.Status, f.Detail = Skip, "no provisioning profile: "+c.SignedNote
		return f
	}
	f.Status, f.Detail = Warn, c.SignedNote
	f.Failure = "only the profile is checked: an entitlement the profile grants but the target's .entitlements file leaves out goes unseen, and iOS goes by what was signed"
	return f
}

// signedLacks is the finding for an entitlement the profile grants with
// the wanted value but the code signature does not claim as such; ok is
// false when the signature agrees or was not read.
func signedLacks(f Finding, c Component, key string, want any) (Finding, bool) {
	if c.Signed == nil {
		return f, false
	}
	got, present := c.Signed[key]
	if present && got == want {
		return f, false
	}
	f.Status, f.File, f.Key = Fail, c.File(c.Info.Executable), key
	f.Detail = fmt.Sprintf("the profile grants %v but the code signature does not claim it: add it to the target's .entitlements file", want)
	if present {
		f.Detail = fmt.Sprintf("the code signature claims %v, the profile grants %v", got, want)
	}
	return f, true
}

// groups are the App Groups c claims: signed ones when the signature was
// read, else the profile's.
func groups(c Component) (g []string, file, key string) {
	key = "com.apple.security.application-groups"
	if c.Signed != nil {
		raw, _ := c.Signed[key].([]any)
		var out []string
		for _, e := range raw {
			if s, ok := e.(string); ok && !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
		return out, c.File(c.Info.Executable), key
	}
	return c.Profile.Strings(key), c.File("embedded.mobileprovision"), "Entitlements." + key
}

const srcEntitlements = "https://developer.apple.com/documentation/bundleresources/entitlements"
