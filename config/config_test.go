package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callscope/callscope/transport/apns"
)

const tok = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"

// fixture writes name with text in a fresh directory that also holds a
// good .p8 (key.p8) and a CA (ca.pem), and returns its path.
func fixture(t *testing.T, text string) string {
	t.Helper()
	dir := t.TempDir()
	k, err := apns.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := apns.WriteP8(filepath.Join(dir, "key.p8"), k); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "not-a-key.p8"), []byte("hello\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCheckProblems: each problem names the file, the line and the field,
// and a file with several problems reports every one of them, top down.
func TestCheckProblems(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []string // "LINE: FIELD: fragment", one per problem, in order
	}{
		{"syntax", "[profiles.a]\napns = \"sandbox\nx = 1\n",
			[]string{"2: profiles.a.apns: "}},
		{"unknown keys", "defaultProfile = \"a\"\n[profiles.a]\napns = \"mock\"\nauth-key = \"k.p8\"\npassword = \"x\"\n[profiles.a.extra]\nz = 1\n",
			[]string{"1: defaultProfile: unknown field (did you mean default_profile?)", "4: profiles.a.auth-key: unknown field (did you mean auth_key?)",
				"5: profiles.a.password: unknown field (a profile takes apns, port", "6: profiles.a.extra: unknown field"}},
		{"types", "[profiles.a]\nport = \"2197\"\ntopic = 7\n[profiles.a.devices]\nbob = 12\n",
			[]string{"2: profiles.a.port: want an integer", "3: profiles.a.topic: want a string; got an integer", "5: profiles.a.devices.bob: want the device token as a hex string"}},
		{"tables", "profiles = 3\n", []string{"1: profiles: want a table"}},
		{"profile not a table", "[profiles]\na = \"x\"\n", []string{"2: profiles.a: want a table"}},
		{"default missing", "default_profile = \"nope\"\n[profiles.a]\napns = \"mock\"\n",
			[]string{`1: default_profile: no profile "nope" in this file (it has a)`}},
		{"values", "[profiles.a]\napns = \"sandbx\"\nport = 0\nenvironment = \"dev\"\ntopic = \"com.example app\"\nkey_id = \"ABC123\"\nteam_id = \"team123456\"\nauth_key = \"missing.p8\"\ndevice_token = \"carol\"\n",
			[]string{`2: profiles.a.apns: "sandbx": want mock, sandbox, production`, "3: profiles.a.port: 0: not a port",
				`4: profiles.a.environment: "dev": want sandbox`, "5: profiles.a.topic: \"com.example app\" is not a bundle id", "6: profiles.a.key_id: \"ABC123\": a key id is 10 characters",
				"7: profiles.a.team_id: \"team123456\": a team id", "8: profiles.a.auth_key: ", `9: profiles.a.device_token: "carol" is neither an even-length hex token nor a name in [profiles.a.devices] (it has none)`}},
		{"port for the host", "[profiles.a]\napns = \"sandbox\"\nport = 80\n[profiles.b]\napns = \"https://127.0.0.1:2197\"\nport = 8443\n",
			[]string{"3: profiles.a.port: port 80: APNs listens on 443 and 2197 only", "6: profiles.b.port: port 8443 with a URL that has its own port"}},
		{"not a p8", "[profiles.a]\nauth_key = \"not-a-key.p8\"\nkey_id = \"ABC1234567\"\nteam_id = \"TEAM123456\"\n",
			[]string{"2: profiles.a.auth_key: "}},
		{"bad token", "[profiles.a]\n[profiles.a.devices]\nalice = \"abc\"\nbob = \"zz\"\n",
			[]string{`3: profiles.a.devices.alice: "abc" is not an even-length hex string`, `4: profiles.a.devices.bob: "zz"`}},
		{"together", "[profiles.a]\napns = \"mock\"\nca = \"nosuch.pem\"\n[profiles.b]\napns = \"sandbox\"\nenvironment = \"production\"\nkey_id = \"ABC1234567\"\n",
			[]string{"3: profiles.a.ca: ", "3: profiles.a.ca: apns = \"mock\" runs in callscope's own process", "4: profiles.b: token auth needs auth_key, key_id and team_id: auth_key is missing",
				"4: profiles.b: token auth needs auth_key, key_id and team_id: team_id is missing", "6: profiles.b.environment: \"production\", but apns = \"sandbox\""}},
		{"both auths", "[profiles.a]\nauth_key = \"key.p8\"\nkey_id = \"ABC1234567\"\nteam_id = \"TEAM123456\"\ncert = \"key.p8\"\n",
			[]string{"5: profiles.a.cert: token auth (auth_key) and certificate auth (cert) in one profile"}},
		{"inline table", "[profiles]\na = { apns = \"mock\", topic = \"com.example.app\", key_id = \"short\" }\n",
			[]string{"2: profiles.a: token auth needs", "2: profiles.a: token auth needs", `2: profiles.a.key_id: "short"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := fixture(t, tc.text)
			f, err := Load(p)
			if err != nil {
				t.Fatal(err)
			}
			ps := f.Check()
			var got []string
			for _, pr := range ps {
				got = append(got, pr.String())
			}
			if len(ps) != len(tc.want) {
				t.Fatalf("%d problems, want %d:\n%s", len(ps), len(tc.want), strings.Join(got, "\n"))
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(got[i], p+":"+w) {
					t.Errorf("problem %d:\n got %s\nwant %s:%s…", i, got[i], p, w)
				}
			}
		})
	}
}
