package preflight

import (
	"fmt"
	"time"
)

// Status is a check's verdict.
type Status string

// A failure breaks the call path for every call; a warning for some
// devices or some builds; a skipped check could not run because something
// it reads is missing (that absence is its own failure).
const (
	Pass Status = "pass"
	Fail Status = "fail"
	Warn Status = "warn"
	Skip Status = "skip"
)

// The checks, named as in docs/preflight.md.
const (
	CheckNSEPackaged       = "nse-packaged"
	CheckNSEPrincipalClass = "nse-principal-class"
	CheckNSEBundleID       = "nse-bundle-id"
	CheckNSEFiltering      = "nse-filtering"
	CheckAppGroup          = "app-group"
	CheckProfile           = "profile"
	CheckProfileExpiry     = "profile-expiry"
	CheckSigned            = "signed-entitlements"
	CheckApplicationID     = "application-identifier"
	CheckAPSEnvironment    = "aps-environment"
	CheckVoIPMode          = "voip-background-mode"
	CheckDeploymentTarget  = "deployment-target"
)

// Finding is one check's result for one component.
type Finding struct {
	Check  string `json:"check"`
	Status Status `json:"status"`
	// File is the path inside the .app ("PlugIns/NSE.appex/Info.plist").
	File string `json:"file,omitempty"`
	// Key is the plist key read, dotted for nested ones
	// ("Entitlements.aps-environment").
	Key string `json:"key,omitempty"`
	// Detail is what was found.
	Detail string `json:"detail"`
	// Failure is what goes wrong on the call path because of it (not for
	// a pass).
	Failure string `json:"failure,omitempty"`
	// Catalogue holds failure ids of docs/failures.md ("F-09").
	Catalogue []string `json:"catalogue,omitempty"`
	// Source is Apple's page for the rule.
	Source string `json:"source,omitempty"`
}

// Environment is the APNs environment pushes will go to.
type Environment string

// Apple's two environments; an app signed with aps-environment
// "development" gets sandbox tokens.
const (
	Sandbox    Environment = "sandbox"
	Production Environment = "production"
)

// ParseEnvironment reads sandbox or production.
func ParseEnvironment(s string) (Environment, error) {
	switch e := Environment(s); e {
	case Sandbox, Production:
		return e, nil
	}
	return "", fmt.Errorf("%q: want sandbox or production", s)
}

// apsValue is the aps-environment entitlement that matches e.
func (e Environment) apsValue() string {
	if e == Production {
		return "production"
	}
	return "development"
}

// Options are what the checks need besides the bundle.
type Options struct {
	Environment Environment
	// Now is the time profiles must not have expired by.
	Now time.Time
}

// Report is the result of checking one bundle.
type Report struct {
	Path        string      `json:"path"`
	Kind        Kind        `json:"kind"`
	App         string      `json:"app"`
	BundleID    string      `json:"bundle_id"`
	Environment Environment `json:"environment"`
	Findings    []Finding   `json:"findings"`
	Passed      bool        `json:"passed"`
}

// Count is how many findings have status s.
func (r Report) Count(s Status) int {
	n := 0
	for _, f := range r.Findings {
		if f.Status == s {
			n++
		}
	}
	return n
}

// Check runs every check on b. The app's own checks come first, then
// each notification service extension's.
func Check(b *Bundle, o Options) Report {
	if o.Environment == "" {
		o.Environment = Sandbox
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	r := Report{Path: b.Path, Kind: b.Kind, App: b.AppPath, BundleID: b.App.Info.BundleID, Environment: o.Environment}
	add := func(fs ...Finding) { r.Findings = append(r.Findings, fs...) }
	app := b.App
	add(checkProfile(app, o.Now)...)
	add(checkSigned(app))
	if app.Profile != nil {
		add(checkAPSEnvironment(app, o.Environment))
	} else {
		add(skipped(CheckAPSEnvironment, app, "Entitlements.aps-environment"))
	}
	add(checkVoIPMode(app), checkDeploymentTarget(app, nil))
	nses, packaged := findNSEs(b)
	add(packaged)
	for _, nse := range nses {
		add(checkPrincipalClass(nse), checkNSEBundleID(app, nse))
		add(checkProfile(nse, o.Now)...)
		add(checkSigned(nse))
		if nse.Profile != nil {
			add(checkFiltering(nse))
		} else {
			add(skipped(CheckNSEFiltering, nse, "Entitlements.com.apple.developer.usernotifications.filtering"))
		}
		add(checkAppGroup(app, nse), checkDeploymentTarget(nse, &app))
	}
	if len(nses) == 0 {
		for _, c := range []string{CheckNSEPrincipalClass, CheckNSEBundleID, CheckNSEFiltering, CheckAppGroup} {
			add(Finding{Check: c, Status: Skip, Detail: "no notification service extension to check"})
		}
	}
	r.Passed = r.Count(Fail) == 0
	return r
}

// checkProfile checks the component has a profile, that it covers the
// component's bundle id and that it has not expired.
func checkProfile(c Component, now time.Time) []Finding {
	file := c.File("embedded.mobileprovision")
	if c.Profile == nil {
		return []Finding{{
			Check: CheckProfile, Status: Fail, File: file,
			Detail:  "missing: the build is not signed for a device (a Simulator build, or exported unsigned)",
			Failure: "iOS will not install it on an iPhone, so nothing on the call path runs; it also leaves no entitlements to check",
			Source:  srcProfiles,
		}, skipped(CheckApplicationID, c, "Entitlements.application-identifier"), skipped(CheckProfileExpiry, c, "ExpirationDate")}
	}
	p := c.Profile
	return []Finding{
		{Check: CheckProfile, Status: Pass, File: file, Detail: fmt.Sprintf("%q, team %v", p.Name, p.TeamIdentifier), Source: srcProfiles},
		checkApplicationID(c),
		checkExpiry(c, now),
	}
}

func skipped(check string, c Component, key string) Finding {
	return Finding{Check: check, Status: Skip, File: c.File("embedded.mobileprovision"), Key: key,
		Detail: "no provisioning profile to read"}
}

// Apple's pages the checks rest on (docs/preflight.md lists them too).
const (
	srcNSE         = "https://developer.apple.com/documentation/usernotifications/modifying-content-in-newly-delivered-notifications"
	srcNSExtension = "https://developer.apple.com/documentation/bundleresources/information-property-list/nsextension"
	srcFiltering   = "https://developer.apple.com/documentation/bundleresources/entitlements/com.apple.developer.usernotifications.filtering"
	srcAPS         = "https://developer.apple.com/documentation/bundleresources/entitlements/aps-environment"
	srcVoIPMode    = "https://developer.apple.com/documentation/callkit/cxerror/code/missingvoipbackgroundmode"
	srcAppGroups   = "https://developer.apple.com/documentation/bundleresources/entitlements/com.apple.security.application-groups"
	srcRelay       = "https://developer.apple.com/documentation/callkit/cxprovider/reportnewincomingvoippushpayload(_:completion:)"
	srcProfiles    = "https://developer.apple.com/documentation/technotes/tn3125-inside-code-signing-provisioning-profiles"
	srcExtBundleID = "https://developer.apple.com/forums/thread/101754"
)
