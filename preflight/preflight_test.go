package preflight_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/preflight"
	"github.com/callscope/callscope/preflight/fixture"
)

const filtering = "com.apple.developer.usernotifications.filtering"

var now = time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)

// forms lays an app out as each of the three things preflight reads.
var forms = map[string]func(fixture.App, string) (string, error){
	"app":       fixture.App.WriteApp,
	"xcarchive": fixture.App.WriteArchive,
	"ipa":       fixture.App.WriteIPA,
}

func check(t *testing.T, a fixture.App, form string, env preflight.Environment) preflight.Report {
	t.Helper()
	p, err := forms[form](a, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b, err := preflight.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	return preflight.Check(b, preflight.Options{Environment: env, Now: now})
}

// TestPreflight builds a good app and broken variants of it; the good one
// passes every check, and each variant breaks exactly the check it means
// to, naming the file and the key.
func TestPreflight(t *testing.T) {
	tests := []struct {
		name   string
		env    preflight.Environment
		mutate func(a *fixture.App)
		check  string
		status preflight.Status // of the broken check; "" for a good app
		file   string
		key    string
		fid    string // the docs/failures.md id its failure cites
		skips  int    // checks that cannot run because of the break
		detail string // in the broken finding's detail
	}{
		{name: "good", mutate: func(*fixture.App) {}},
		{name: "good binary plists", mutate: func(a *fixture.App) { a.Binary = true }},
		{name: "good production", env: preflight.Production, mutate: func(a *fixture.App) {
			a.Profile.Entitlements()["aps-environment"] = "production"
		}},
		{name: "good wildcard app id", mutate: func(a *fixture.App) {
			a.Ext.Profile.Entitlements()["application-identifier"] = "A1B2C3D4E5.com.example.*"
		}},
		{name: "no filtering entitlement", mutate: func(a *fixture.App) {
			delete(a.Ext.Profile.Entitlements(), filtering)
		}, check: "nse-filtering", status: preflight.Fail, file: "PlugIns/NSE.appex/embedded.mobileprovision", key: filtering, fid: "F-09"},
		{name: "filtering entitlement false", mutate: func(a *fixture.App) {
			a.Ext.Profile.Entitlements()[filtering] = false
		}, check: "nse-filtering", status: preflight.Fail, file: "PlugIns/NSE.appex/embedded.mobileprovision", key: filtering, fid: "F-10"},
		{name: "no extension", mutate: func(a *fixture.App) { a.Ext = nil },
			check: "nse-packaged", status: preflight.Fail, file: "PlugIns", key: "NSExtensionPointIdentifier", fid: "F-04", skips: 4},
		{name: "a widget, not an NSE", mutate: func(a *fixture.App) {
			a.Ext.Info["NSExtension"].(map[string]any)["NSExtensionPointIdentifier"] = "com.apple.widgetkit-extension"
		}, check: "nse-packaged", status: preflight.Fail, file: "PlugIns", key: "NSExtensionPointIdentifier", fid: "F-04", skips: 4},
		{name: "extension built as an .app", mutate: func(a *fixture.App) { a.Ext.Folder = "NSE.app" },
			check: "nse-packaged", status: preflight.Fail, file: "PlugIns", key: "NSExtensionPointIdentifier", fid: "F-04", skips: 4,
			detail: "PlugIns/NSE.app built as an .app"},
		{name: "no principal class", mutate: func(a *fixture.App) {
			delete(a.Ext.Info["NSExtension"].(map[string]any), "NSExtensionPrincipalClass")
		}, check: "nse-principal-class", status: preflight.Fail, file: "PlugIns/NSE.appex/Info.plist", key: "NSExtensionPrincipalClass", fid: "F-04"},
		{name: "extension id not under the app's", mutate: func(a *fixture.App) {
			a.Ext.Info["CFBundleIdentifier"] = "com.example.NSE"
			a.Ext.Profile.Entitlements()["application-identifier"] = "A1B2C3D4E5.com.example.NSE"
		}, check: "nse-bundle-id", status: preflight.Fail, file: "PlugIns/NSE.appex/Info.plist", key: "CFBundleIdentifier", fid: "F-04"},
		{name: "extension id two parts below the app's", mutate: func(a *fixture.App) {
			a.Ext.Info["CFBundleIdentifier"] = "com.example.app.ext.NSE"
			a.Ext.Profile.Entitlements()["application-identifier"] = "A1B2C3D4E5.com.example.app.ext.NSE"
		}, check: "nse-bundle-id", status: preflight.Warn, file: "PlugIns/NSE.appex/Info.plist", key: "CFBundleIdentifier"},
		{name: "no aps-environment", mutate: func(a *fixture.App) {
			delete(a.Profile.Entitlements(), "aps-environment")
		}, check: "aps-environment", status: preflight.Fail, file: "embedded.mobileprovision", key: "aps-environment"},
		{name: "production app, sandbox pushes", mutate: func(a *fixture.App) {
			a.Profile.Entitlements()["aps-environment"] = "production"
		}, check: "aps-environment", status: preflight.Fail, file: "embedded.mobileprovision", key: "aps-environment", fid: "F-06"},
		{name: "development app, production pushes", env: preflight.Production, mutate: func(*fixture.App) {},
			check: "aps-environment", status: preflight.Fail, file: "embedded.mobileprovision", key: "aps-environment", fid: "F-06"},
		{name: "no voip mode", mutate: func(a *fixture.App) {
			a.Info["UIBackgroundModes"] = []string{"remote-notification"}
		}, check: "voip-background-mode", status: preflight.Fail, file: "Info.plist", key: "UIBackgroundModes", fid: "F-26"},
		{name: "no background modes", mutate: func(a *fixture.App) { delete(a.Info, "UIBackgroundModes") },
			check: "voip-background-mode", status: preflight.Fail, file: "Info.plist", key: "UIBackgroundModes", fid: "F-26"},
		{name: "no shared app group", mutate: func(a *fixture.App) {
			a.Ext.Profile.Entitlements()["com.apple.security.application-groups"] = []string{"group.com.example.other"}
		}, check: "app-group", status: preflight.Fail, file: "PlugIns/NSE.appex/NSE", key: "application-groups", fid: "F-12"},
		{name: "app has no app group", mutate: func(a *fixture.App) {
			delete(a.Profile.Entitlements(), "com.apple.security.application-groups")
		}, check: "app-group", status: preflight.Fail, file: "PlugIns/NSE.appex/NSE", key: "application-groups", fid: "F-12"},
		{name: "targets below 14.5", mutate: func(a *fixture.App) {
			a.Info["MinimumOSVersion"] = "13.0"
			a.Ext.Info["MinimumOSVersion"] = "13.0"
		}, check: "deployment-target", status: preflight.Warn, file: "PlugIns/NSE.appex/Info.plist", key: "MinimumOSVersion"},
		{name: "extension targets a newer iOS than the app", mutate: func(a *fixture.App) {
			a.Ext.Info["MinimumOSVersion"] = "17.0"
		}, check: "deployment-target", status: preflight.Fail, file: "PlugIns/NSE.appex/Info.plist", key: "MinimumOSVersion", fid: "F-04"},
		{name: "app profile expired", mutate: func(a *fixture.App) {
			(*a.Profile)["ExpirationDate"] = now.Add(-time.Hour)
		}, check: "profile-expiry", status: preflight.Fail, file: "embedded.mobileprovision", key: "ExpirationDate"},
		{name: "extension profile expires in 3 days", mutate: func(a *fixture.App) {
			(*a.Ext.Profile)["ExpirationDate"] = now.Add(72 * time.Hour)
		}, check: "profile-expiry", status: preflight.Warn, file: "PlugIns/NSE.appex/embedded.mobileprovision", key: "ExpirationDate"},
		{name: "profile for another app", mutate: func(a *fixture.App) {
			a.Profile.Entitlements()["application-identifier"] = "A1B2C3D4E5.com.example.other"
		}, check: "application-identifier", status: preflight.Fail, file: "embedded.mobileprovision", key: "application-identifier"},
		{name: "good universal binaries", mutate: func(a *fixture.App) { a.Universal = true }},
		{name: "filtering granted but not signed", mutate: func(a *fixture.App) {
			a.Ext.Signed = without(a.Ext.Profile, filtering)
		}, check: "nse-filtering", status: preflight.Fail, file: "PlugIns/NSE.appex/NSE", key: filtering, fid: "F-09"},
		{name: "aps-environment granted but not signed", mutate: func(a *fixture.App) {
			a.Signed = without(a.Profile, "aps-environment")
		}, check: "aps-environment", status: preflight.Fail, file: "Example", key: "aps-environment"},
		{name: "signed aps-environment differs from the profile's", mutate: func(a *fixture.App) {
			a.Signed = without(a.Profile, "")
			a.Signed["aps-environment"] = "production"
		}, check: "aps-environment", status: preflight.Fail, file: "Example", key: "aps-environment"},
		{name: "app group granted but not signed", mutate: func(a *fixture.App) {
			a.Ext.Signed = without(a.Ext.Profile, "com.apple.security.application-groups")
		}, check: "app-group", status: preflight.Fail, file: "PlugIns/NSE.appex/NSE", key: "application-groups", fid: "F-12"},
		{name: "extension binary missing", mutate: func(a *fixture.App) { a.Ext.NoBinary = true },
			check: "signed-entitlements", status: preflight.Warn, file: "PlugIns/NSE.appex/NSE", key: "code signature"},
		{name: "extension unsigned", mutate: func(a *fixture.App) { a.Ext.Profile = nil },
			check: "profile", status: preflight.Fail, file: "PlugIns/NSE.appex/embedded.mobileprovision", skips: 5},
	}
	for _, tt := range tests {
		for form := range forms {
			t.Run(tt.name+"/"+form, func(t *testing.T) {
				a := fixture.Good(now)
				tt.mutate(&a)
				env := tt.env
				if env == "" {
					env = preflight.Sandbox
				}
				r := check(t, a, form, env)
				var broken []preflight.Finding
				skips := 0
				for _, f := range r.Findings {
					switch {
					case f.Status == preflight.Skip:
						skips++
					case f.Status != preflight.Pass:
						broken = append(broken, f)
					}
				}
				if skips != tt.skips {
					t.Errorf("%d checks skipped, want %d: %+v", skips, tt.skips, r.Findings)
				}
				if tt.check == "" {
					if len(broken) > 0 || !r.Passed {
						t.Fatalf("a good app: %+v", broken)
					}
					return
				}
				if len(broken) == 0 {
					t.Fatalf("no check broke; want %s", tt.check)
				}
				for _, f := range broken {
					if f.Check != tt.check {
						t.Errorf("%s broke (%+v); only %s should", f.Check, f, tt.check)
					}
				}
				f := broken[len(broken)-1]
				if f.Status != tt.status || f.File != tt.file || !strings.Contains(f.Key, tt.key) || f.Detail == "" || f.Failure == "" {
					t.Errorf("finding %+v: want status %s, file %s, key with %q, a detail and a failure", f, tt.status, tt.file, tt.key)
				}
				if !strings.Contains(f.Detail, tt.detail) {
					t.Errorf("detail %q lacks %q", f.Detail, tt.detail)
				}
				if tt.fid != "" && !slices.Contains(f.Catalogue, tt.fid) {
					t.Errorf("finding cites %v, want %s", f.Catalogue, tt.fid)
				}
				if want := tt.status != preflight.Fail; r.Passed != want {
					t.Errorf("Passed = %v, want %v", r.Passed, want)
				}
			})
		}
	}
}

// TestFilteringFindingNamesKeyAndFailure is issue 11's acceptance line:
// preflight on an app missing the filtering entitlement names the key and
// the failure.
func TestFilteringFindingNamesKeyAndFailure(t *testing.T) {
	a := fixture.Good(now)
	delete(a.Ext.Profile.Entitlements(), filtering)
	r := check(t, a, "ipa", preflight.Sandbox)
	for _, f := range r.Findings {
		if f.Check != "nse-filtering" {
			continue
		}
		if f.Status != preflight.Fail || !strings.Contains(f.Key, filtering) || !strings.Contains(f.File, "PlugIns/NSE.appex/embedded.mobileprovision") ||
			!strings.Contains(f.Failure, "missingNotificationFilteringEntitlement") ||
			!strings.Contains(f.Failure, "shows as a notification") {
			t.Fatalf("finding %+v: want the key and both failures named", f)
		}
		return
	}
	t.Fatal("no nse-filtering finding")
}

// without is p's entitlements less key, as a target whose .entitlements
// file leaves key out is signed.
func without(p *fixture.Profile, key string) map[string]any {
	out := map[string]any{}
	for k, v := range p.Entitlements() {
		if k != key {
			out[k] = v
		}
	}
	return out
}
