package preflight_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/callscope/callscope/preflight"
	"github.com/callscope/callscope/preflight/fixture"
)

func TestSignedEntitlements(t *testing.T) {
	ents := map[string]any{"aps-environment": "development", filtering: true}
	thin, err := fixture.MachO(ents)
	if err != nil {
		t.Fatal(err)
	}
	adhoc, err := fixture.MachO(nil)
	if err != nil {
		t.Fatal(err)
	}
	noSig := append([]byte(nil), thin[:64]...)
	noSig[16] = 0 // ncmds: no load commands
	tests := []struct {
		name string
		bin  []byte
		want string // "" for the entitlements
	}{
		{"thin", thin, ""},
		{"universal", fixture.Fat(thin), ""},
		{"ad hoc", adhoc, "carries no entitlements"},
		{"no code signature", noSig, "carries no entitlements"},
		{"a shell script", []byte("#!/bin/sh\necho hi\n"), "not a Mach-O binary"},
		{"empty", nil, "too short"},
		{"cut in the signature", thin[:len(thin)-10], "cut short"},
		{"universal cut before its slice", fixture.Fat(thin)[:100], "ends before"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := preflight.SignedEntitlements(bytes.NewReader(tt.bin))
			if tt.want == "" {
				if err != nil || got["aps-environment"] != "development" || got[filtering] != true {
					t.Fatalf("got %v, %v", got, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func FuzzSignedEntitlements(f *testing.F) {
	thin, err := fixture.MachO(map[string]any{filtering: true, "com.apple.security.application-groups": []string{"group.a"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(thin)
	f.Add(fixture.Fat(thin))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = preflight.SignedEntitlements(bytes.NewReader(data))
	})
}
