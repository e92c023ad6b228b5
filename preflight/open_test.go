package preflight_test

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callscope/callscope/preflight"
	"github.com/callscope/callscope/preflight/fixture"
)

// TestOpenErrors checks that what preflight cannot read is one line naming
// the path given and, inside it, the file at fault.
func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	zipOf := func(name string, files ...string) string {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, f := range files {
			w, err := zw.Create(f)
			if err != nil {
				t.Fatal(err)
			}
			good, _ := fixture.Good(now).Files()
			_, _ = w.Write(good["Info.plist"])
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return write(name, buf.Bytes())
	}
	good, err := fixture.Good(now).Files()
	if err != nil {
		t.Fatal(err)
	}
	notPlist, err := fixture.Sign([]byte("bplist00 not really"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		want []string
	}{
		{"missing", filepath.Join(dir, "Nope.ipa"), []string{"Nope.ipa", "no such file"}},
		{"a text file", write("notes.txt", []byte("hi")), []string{"notes.txt", "not an .app folder"}},
		{"a folder", filepath.Dir(write("Plain/x", nil)), []string{"Plain", "not an .app folder"}},
		{"app without Info.plist", filepath.Dir(write("Empty.app/x", nil)), []string{"Empty.app", "Info.plist: missing"}},
		{"unreadable Info.plist", filepath.Dir(write("Bad.app/Info.plist", []byte("bplist00\x00\x01garbage"))),
			[]string{"Bad.app", "Info.plist: not a readable property list"}},
		{"Info.plist too large", filepath.Dir(write("Big.app/Info.plist", make([]byte, 4<<20+1))),
			[]string{"Big.app", "Info.plist: larger than"}},
		{"profile not CMS", func() string {
			write("P.app/Info.plist", good["Info.plist"])
			return filepath.Dir(write("P.app/embedded.mobileprovision", []byte("<plist/>")))
		}(), []string{"P.app", "embedded.mobileprovision: not CMS signed data"}},
		{"extension profile holds no plist", func() string {
			write("Q.app/Info.plist", good["Info.plist"])
			write("Q.app/PlugIns/NSE.appex/Info.plist", good["PlugIns/NSE.appex/Info.plist"])
			write("Q.app/PlugIns/NSE.appex/embedded.mobileprovision", notPlist)
			return filepath.Join(dir, "Q.app")
		}(), []string{"Q.app", "PlugIns/NSE.appex/embedded.mobileprovision: the signed content is not a readable property list"}},
		{"ipa not a zip", write("Junk.ipa", []byte("PK?")), []string{"Junk.ipa", "not a readable .ipa"}},
		{"ipa without Payload", zipOf("NoPayload.ipa", "Example.app/Info.plist"), []string{"NoPayload.ipa", "no Payload/ folder"}},
		{"ipa with two apps", zipOf("Two.ipa", "Payload/A.app/Info.plist", "Payload/B.app/Info.plist"),
			[]string{"Two.ipa", "2 apps (A.app, B.app)"}},
		{"archive without an app", filepath.Dir(filepath.Dir(filepath.Dir(write("E.xcarchive/Products/Applications/readme", nil)))),
			[]string{"E.xcarchive", "Products/Applications/ holds no .app"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := preflight.Open(tt.path)
			if err == nil {
				t.Fatal("opened")
			}
			msg := err.Error()
			t.Log(msg)
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not name %q", msg, w)
				}
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error %q is not one line", msg)
			}
		})
	}
}

// TestParseInfoNamesKey checks that a key of the wrong type is named, with
// the type found and the type wanted.
func TestParseInfoNamesKey(t *testing.T) {
	doc := func(body string) []byte {
		return []byte(`<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict>` + body + `</dict></plist>`)
	}
	tests := []struct {
		body string
		want string
	}{
		{`<key>UIBackgroundModes</key><string>voip</string>`, "UIBackgroundModes is a string, want an array of strings"},
		{`<key>UIBackgroundModes</key><array><string>voip</string><true/></array>`, "UIBackgroundModes item 1 is a boolean, want a string"},
		{`<key>MinimumOSVersion</key><real>14.5</real>`, "MinimumOSVersion is a number, want a string"},
		{`<key>NSExtension</key><array/>`, "NSExtension is an array, want a dictionary"},
		{`<key>NSExtension</key><dict><key>NSExtensionPointIdentifier</key><integer>1</integer></dict>`,
			"NSExtension.NSExtensionPointIdentifier is a number, want a string"},
	}
	for _, tt := range tests {
		_, err := preflight.ParseInfo(doc(tt.body))
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: error %v, want %q", tt.body, err, tt.want)
		}
	}
	info, err := preflight.ParseInfo(doc(`<key>CFBundleIdentifier</key><string>com.example.app</string>` +
		`<key>UIBackgroundModes</key><array><string>voip</string></array>`))
	if err != nil || info.BundleID != "com.example.app" || len(info.BackgroundModes) != 1 || info.Extension != nil {
		t.Fatalf("%+v, %v", info, err)
	}
}
