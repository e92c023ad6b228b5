package main

import (
	"bytes"
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/callscope/callscope/transport/apns"
	"github.com/callscope/callscope/transport/apnsmock"
)

// TestProviderKeySyntax: --provider-key reads a team key for both
// environments, scoped ones, topic-specific ones with their related key, and
// a file name with a colon in it.
func TestProviderKeySyntax(t *testing.T) {
	dir := t.TempDir()
	key, err := apns.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	p8 := filepath.Join(dir, "AuthKey.p8")
	colon := filepath.Join(dir, "a:b.p8")
	for _, f := range []string{p8, colon} {
		if err := apns.WriteP8(f, key); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		flag string
		want apnsmock.ProviderKey
	}{
		{"K1:T1:" + p8, apnsmock.ProviderKey{KeyID: "K1", TeamID: "T1"}},
		{"K1:T1:" + p8 + ":sandbox", apnsmock.ProviderKey{KeyID: "K1", TeamID: "T1", Environment: "sandbox"}},
		{"K1:T1:" + p8 + ":production", apnsmock.ProviderKey{KeyID: "K1", TeamID: "T1", Environment: "production"}},
		{"K1:T1:" + p8 + ":topic=org.a", apnsmock.ProviderKey{KeyID: "K1", TeamID: "T1", Topics: []string{"org.a"}}},
		{"K1:T1:" + p8 + ":production:topic=org.a,org.b:topic=org.c:related=K2",
			apnsmock.ProviderKey{KeyID: "K1", TeamID: "T1", Environment: "production", Topics: []string{"org.a", "org.b", "org.c"}, Related: "K2"}},
		{"K1:T1:" + colon + ":sandbox", apnsmock.ProviderKey{KeyID: "K1", TeamID: "T1", Environment: "sandbox"}},
	}
	for _, tc := range tests {
		t.Run(tc.flag, func(t *testing.T) {
			got, err := parseProviderKey(tc.flag)
			if err != nil {
				t.Fatal(err)
			}
			if got.Public == nil || !got.Public.Equal(&key.PublicKey) {
				t.Error("public key not read")
			}
			got.Public = nil
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestProviderKeyRefused: bad --provider-key and --bad-environment-key-reason
// values exit 2 with one line naming the flag, before anything listens.
func TestProviderKeyRefused(t *testing.T) {
	dir := t.TempDir()
	key, err := apns.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	p8 := filepath.Join(dir, "AuthKey.p8")
	if err := apns.WriteP8(p8, key); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--provider-key", "K1:T1:" + p8 + ":staging"}, `unknown option "staging"`},
		{[]string{"--provider-key", "K1:T1:" + p8 + ":scope=team"}, `unknown option "scope=team"`},
		{[]string{"--provider-key", "K1:T1:" + p8 + ":sandbox:production"}, "one environment"},
		{[]string{"--provider-key", "K1:T1:" + p8 + ":topic="}, "empty bundle id"},
		{[]string{"--provider-key", "K1:T1:" + p8 + ":topic=org.a,,org.b"}, "empty bundle id"},
		{[]string{"--provider-key", "K1:T1:" + p8 + ":related=K2"}, "topic-specific"},
		{[]string{"--provider-key", "K1::" + p8}, "want KEYID:TEAMID:FILE.p8"},
		{[]string{"--provider-key", "K1:T1:" + p8, "--provider-key", "K1:T1:" + p8 + ":sandbox"}, "K1: given twice"},
		{[]string{"--provider-key", "K1:T1:" + p8 + ":topic=org.a:related=K9"}, "related key K9 is not given"},
		{[]string{"--provider-key", "K1:T1:" + p8 + ":topic=org.a:related=K2:sandbox",
			"--provider-key", "K2:T1:" + p8 + ":topic=org.a:production"}, "same team and environment"},
		{[]string{"--bad-environment-key-reason", "BadEnvironment"}, "want BadEnvironmentKeyIdInToken or BadEnvironmentKeyInToken"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			root := rootCommand()
			var out bytes.Buffer
			root.SetOut(&out)
			root.SetErr(&out)
			root.SetArgs(append([]string{"mock-apns", "--headless", "--listen", "127.0.0.1:0"}, tc.args...))
			err := root.ExecuteContext(context.Background())
			if code := exitStatus(err); code != 2 {
				t.Fatalf("exit %d (err %v), want 2", code, err)
			}
			msg := err.Error()
			flag := tc.args[0]
			if !strings.Contains(msg, flag) || !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line naming %s and saying %q", msg, flag, tc.want)
			}
			if out.Len() != 0 {
				t.Errorf("printed before refusing: %q", out.String())
			}
		})
	}
}
