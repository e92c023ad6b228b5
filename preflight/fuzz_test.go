package preflight_test

import (
	"bytes"
	"os"
	"testing"

	"howett.net/plist"

	"github.com/callscope/callscope/preflight"
	"github.com/callscope/callscope/preflight/fixture"
)

// The bundle reader takes untrusted bytes three ways: Info.plists (XML or
// binary), provisioning profiles (CMS around a plist) and whole .ipa zips.
// None may panic, and whatever opens must survive every check.

func FuzzParseInfo(f *testing.F) {
	files, err := fixture.Good(now).Files()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(files["Info.plist"])
	f.Add(files["PlugIns/NSE.appex/Info.plist"])
	bin, err := plist.Marshal(fixture.Good(now).Ext.Info, plist.BinaryFormat)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(bin)
	f.Add([]byte(`{CFBundleIdentifier = "com.example.app"; UIBackgroundModes = (voip);}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = preflight.ParseInfo(data)
	})
}

func FuzzParseProfile(f *testing.F) {
	files, err := fixture.Good(now).Files()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(files["embedded.mobileprovision"])
	f.Add(files["PlugIns/NSE.appex/embedded.mobileprovision"])
	f.Add([]byte("0\x80\x06\t*\x86H\x86\xf7\r\x01\x07\x02\xa0\x80"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := preflight.ParseProfile(data)
		if err != nil {
			return
		}
		// The accessors read whatever types the plist held.
		_, _ = p.String("aps-environment")
		_, _ = p.Bool("com.apple.developer.usernotifications.filtering")
		_ = p.Strings("com.apple.security.application-groups")
	})
}

func FuzzOpenIPA(f *testing.F) {
	for _, binary := range []bool{false, true} {
		a := fixture.Good(now)
		a.Binary = binary
		p, err := a.WriteIPA(f.TempDir())
		if err != nil {
			f.Fatal(err)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := preflight.OpenIPA(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		r := preflight.Check(b, preflight.Options{Now: now})
		if len(r.Findings) == 0 {
			t.Fatal("an app that opens gets findings")
		}
	})
}
