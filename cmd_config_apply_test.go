package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/callscope/callscope/preflight/fixture"
	"github.com/callscope/callscope/transport/apns"
)

// TestProfileSelection: which file and profile push reads, and the exit
// status when they are not there.
func TestProfileSelection(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, filepath.Join(dir, "c.toml"), "[profiles.a]\ntopic = \"com.example.a\"\n[profiles.b]\ntopic = \"com.example.b\"\n")
	bad := writeFile(t, filepath.Join(dir, "bad.toml"), "[profiles.a]\ntopic = \"com.example.a\"\nhost = \"x\"\n")
	dry := []string{"push", "--dry-run", "--device-token", pushToken}
	for _, tc := range []struct {
		name  string
		xdg   string
		args  []string
		code  int
		want  string // in the output (exit 0) or the error
		wantN string // not in the output
	}{
		{"no default file, no profile", dir, []string{"--topic", "com.example.flag"}, 0, "apns-topic: com.example.flag", ""},
		{"no default file, --profile", dir, []string{"--profile", "a"}, 2, "--profile a: no config file at " + filepath.Join(dir, "callscope", "config.toml"), ""},
		{"missing --config", dir, []string{"--config", filepath.Join(dir, "no.toml"), "--topic", "x.y"}, 2, "--config " + filepath.Join(dir, "no.toml") + ": no such file", ""},
		{"no default_profile: nothing taken", "", []string{"--config", p, "--topic", "com.example.flag"}, 0, "apns-topic: com.example.flag", ""},
		{"--profile", "", []string{"--config", p, "--profile", "b"}, 0, "apns-topic: com.example.b", ""},
		{"unknown profile", "", []string{"--config", p, "--profile", "c"}, 2, `--profile c: no profile "c" in ` + p + " (it has a, b)", ""},
		{"a broken file stops the run", "", []string{"--config", bad, "--profile", "a"}, 2, bad + ":3: profiles.a.host: unknown field", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.xdg != "" {
				t.Setenv("XDG_CONFIG_HOME", tc.xdg)
			}
			out, code, msg := runConfigCLI(t, append(dry, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d: %q\n%s", code, tc.code, msg, out)
			}
			if !strings.Contains(out+msg, tc.want) {
				t.Errorf("no %q in %q\n%s", tc.want, msg, out)
			}
		})
	}
}

// fakeCommand has string flags of the given names, and --config and
// --profile, as a command of the realapns helper's would.
func fakeCommand(names ...string) *cobra.Command {
	cmd := &cobra.Command{Use: "fake", RunE: func(*cobra.Command, []string) error { return nil }}
	for _, n := range names {
		cmd.Flags().String(n, "default-"+n, "")
	}
	profileFlags(cmd)
	return cmd
}

// TestApplyProfilePrecedence: a flag given wins over the profile, the
// profile over the flag's default; a flag the command lacks is skipped;
// the other auth kind or --apns given drop the profile's auth or endpoint
// details.
func TestApplyProfilePrecedence(t *testing.T) {
	dir := t.TempDir()
	key, err := apns.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	p8 := filepath.Join(dir, "AuthKey_ABC1234567.p8")
	if err := apns.WriteP8(p8, key); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "push.p12"), "not read here")
	_, ca := testMock(t, dir, p8) // for its CA file, ca.pem
	cfg := writeFile(t, filepath.Join(dir, "c.toml"), `default_profile = "tok"
[profiles.tok]
apns = "https://127.0.0.1:2197"
ca = "ca.pem"
topic = "com.example.app"
auth_key = "AuthKey_ABC1234567.p8"
key_id = "ABC1234567"
team_id = "TEAM123456"
device_token = "alice"
ingest = "127.0.0.1:4318"
[profiles.tok.devices]
alice = "AABBCCDD"
bob = "eeff0011"

[profiles.crt]
cert = "push.p12"
cert_password = "env:P12_PASSWORD"
`)
	all := []string{"apns", "ca", "topic", "device-token", "auth-key", "key-id", "team-id", "cert", "cert-password-env", "cert-password-file"}
	for _, tc := range []struct {
		name  string
		flags []string // the command's flags
		args  []string
		want  map[string]string
	}{
		{"profile over defaults", all, nil, map[string]string{"apns": "https://127.0.0.1:2197", "ca": ca, "topic": "com.example.app",
			"device-token": "aabbccdd", "auth-key": p8, "key-id": "ABC1234567", "team-id": "TEAM123456", "cert": "default-cert"}},
		{"flag over profile", all, []string{"--topic", "com.other.app", "--key-id", "ZZZ1234567"},
			map[string]string{"topic": "com.other.app", "key-id": "ZZZ1234567", "team-id": "TEAM123456", "auth-key": p8}},
		{"a device name given resolves", all, []string{"--device-token", "bob"}, map[string]string{"device-token": "eeff0011"}},
		{"a token given stays", all, []string{"--device-token", "0123"}, map[string]string{"device-token": "0123"}},
		{"--cert drops the profile's token auth", all, []string{"--cert", "mine.p12"},
			map[string]string{"cert": "mine.p12", "auth-key": "default-auth-key", "key-id": "default-key-id", "team-id": "default-team-id", "topic": "com.example.app"}},
		{"--apns drops the profile's ca", all, []string{"--apns", "sandbox"}, map[string]string{"apns": "sandbox", "ca": "default-ca", "topic": "com.example.app"}},
		{"flags the command lacks are skipped", []string{"topic", "ingest"}, nil, map[string]string{"topic": "com.example.app", "ingest": "127.0.0.1:4318"}},
		{"cert_password env:NAME", all, []string{"--profile", "crt"},
			map[string]string{"cert": filepath.Join(dir, "push.p12"), "cert-password-env": "P12_PASSWORD", "cert-password-file": "default-cert-password-file", "topic": "default-topic"}},
		{"a password flag given drops the profile's", all, []string{"--profile", "crt", "--cert-password-file", "pw"},
			map[string]string{"cert-password-env": "default-cert-password-env", "cert-password-file": "pw"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("P12_PASSWORD", "x")
			cmd := fakeCommand(tc.flags...)
			if err := cmd.ParseFlags(append([]string{"--config", cfg}, tc.args...)); err != nil {
				t.Fatal(err)
			}
			if err := applyProfile(cmd); err != nil {
				t.Fatal(err)
			}
			for flag, want := range tc.want {
				if got, _ := cmd.Flags().GetString(flag); got != want {
					t.Errorf("--%s = %q, want %q", flag, got, want)
				}
			}
			// What the profile set still reads as not given.
			if tc.args == nil && cmd.Flags().Changed("topic") {
				t.Error("--topic from the profile reads as given on the command line")
			}
		})
	}
}

// TestProfileChecked: a value the command takes is checked before the
// run, naming file:line:field; one it does not take (a flag given) is not.
func TestProfileChecked(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "c.toml"), "[profiles.a]\napns = \"sandbox\"\nkey_id = \"SHORT\"\nteam_id = \"TEAM123456\"\nauth_key = \"nokey.p8\"\ntopic = \"com.example.app\"\ncert_password = \"env:NOT_SET_ANYWHERE\"\n")
	_, code, msg := runConfigCLI(t, "push", "--config", cfg, "--profile", "a", "--device-token", pushToken, "--dry-run")
	if code != 2 || !strings.HasPrefix(msg, "--profile a: "+cfg+":3: profiles.a.key_id: \"SHORT\": a key id is 10 characters") ||
		!strings.Contains(msg, "(and 2 more: callscope config check lists them)") {
		t.Errorf("exit %d: %q", code, msg)
	}
	// The key id and key given on the command line: the profile's are not
	// taken, nor checked; its password (certificate auth) is dropped too.
	p8, _ := writeP8(t, dir)
	out, code, msg := runConfigCLI(t, "push", "--config", cfg, "--profile", "a", "--device-token", pushToken, "--dry-run",
		"--key-id", "ABC1234567", "--auth-key", p8)
	if code != 0 || !strings.Contains(out, "api.sandbox.push.apple.com") || !strings.Contains(out, `"iss":"TEAM123456"`) {
		t.Errorf("exit %d: %q\n%s", code, msg, out)
	}
}

// TestProfileBlame: push's own check of a value the profile set names
// the profile's line, since the user never typed that flag.
func TestProfileBlame(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "c.toml"), "default_profile = \"a\"\n[profiles.a]\ntopic = \"com.example.app\"\n")
	_, code, msg := runConfigCLI(t, "push", "--config", cfg, "--type", "voip", "--device-token", pushToken, "--dry-run")
	if code != 2 || !strings.HasPrefix(msg, "--topic: ") || !strings.HasSuffix(msg, "(--topic set by "+cfg+":3: profiles.a.topic)") {
		t.Errorf("exit %d: %q", code, msg)
	}
	_, _, msg = runConfigCLI(t, "push", "--config", cfg, "--type", "voip", "--topic", "com.example.app", "--device-token", pushToken, "--dry-run")
	if strings.Contains(msg, "set by") {
		t.Errorf("a flag given is blamed on the profile: %q", msg)
	}
}

// TestProfilePushAgainstMock: push with nothing but --profile reaches a
// running mock with the profile's endpoint, CA, token and key (token
// auth), and with its certificate and env:NAME password (certificate
// auth): 200 both.
func TestProfilePushAgainstMock(t *testing.T) {
	dir := t.TempDir()
	p8, _ := writeP8(t, dir)
	m, ca := testMock(t, dir, p8)
	p12, _ := writeP12(t, m, dir, "sandbox")
	t.Setenv("CALLSCOPE_TEST_PROFILE_P12", "p12-s3cret")
	cfg := writeFile(t, filepath.Join(dir, "c.toml"), `[profiles.token]
apns = "`+m.URL()+`"
ca = "`+filepath.Base(ca)+`"
topic = "com.example.app"
auth_key = "`+p8+`"
key_id = "ABC1234567"
team_id = "TEAM123456"
device_token = "phone"
[profiles.token.devices]
phone = "`+pushToken+`"

[profiles.cert]
apns = "`+m.URL()+`"
ca = "`+ca+`"
cert = "`+filepath.Base(p12)+`"
cert_password = "env:CALLSCOPE_TEST_PROFILE_P12"
device_token = "`+pushToken+`"
`)
	if out, code, _ := runConfigCLI(t, "config", "check", "--config", cfg); code != 0 {
		t.Fatalf("config check: %d\n%s", code, out)
	}
	for _, prof := range []string{"token", "cert"} {
		out, code, msg := runConfigCLI(t, "push", "--config", cfg, "--profile", prof, "--json")
		if code != 0 {
			t.Fatalf("%s: exit %d %q\n%s", prof, code, msg, out)
		}
		var res pushJSON
		if err := json.Unmarshal([]byte(out), &res); err != nil || res.Status != 200 || res.Topic != "com.example.app" {
			t.Errorf("%s: %v %+v", prof, err, res)
		}
	}
	// Without the password in the environment, the profile is refused
	// before anything is sent, naming the line.
	os.Unsetenv("CALLSCOPE_TEST_PROFILE_P12")
	_, code, msg := runConfigCLI(t, "push", "--config", cfg, "--profile", "cert")
	if code != 2 || !strings.Contains(msg, cfg+":16: profiles.cert.cert_password: env:CALLSCOPE_TEST_PROFILE_P12: CALLSCOPE_TEST_PROFILE_P12 is not set") {
		t.Errorf("exit %d: %q", code, msg)
	}
}

// TestProfilePreflight: preflight takes the profile's environment, or
// the one its apns host implies.
func TestProfilePreflight(t *testing.T) {
	dir := t.TempDir()
	app, err := fixture.Good(time.Now()).WriteApp(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := writeFile(t, filepath.Join(dir, "c.toml"), "[profiles.prod]\napns = \"production\"\n[profiles.sbx]\nenvironment = \"sandbox\"\n[profiles.bad]\nenvironment = \"prod\"\n")
	for _, tc := range []struct {
		profile, want string
		code          int
	}{
		{"prod", "; APNs production)", 1},
		{"sbx", "; APNs sandbox)", 0},
		{"bad", cfg + ":6: profiles.bad.environment: \"prod\": want sandbox", 2},
	} {
		out, code, msg := runConfigCLI(t, "preflight", "--config", cfg, "--profile", tc.profile, app)
		if code != tc.code || !strings.Contains(out+msg, tc.want) {
			t.Errorf("--profile %s: exit %d, want %d with %q: %q\n%s", tc.profile, code, tc.code, tc.want, msg, out)
		}
	}
}

// TestProfileSend: send takes the same profile as push (--apns, its auth,
// the topic and a named device), and a flag given still wins.
func TestProfileSend(t *testing.T) {
	dir := t.TempDir()
	p8, _ := writeP8(t, dir)
	cfg := writeFile(t, filepath.Join(dir, "c.toml"), "default_profile = \"a\"\n[profiles.a]\napns = \"sandbox\"\nkey_id = \"ABC1234567\"\nteam_id = \"TEAM123456\"\nauth_key = \""+p8+"\"\ntopic = \"com.example.app\"\ndevice_token = \"alice\"\n[profiles.a.devices]\nalice = \""+pushToken+"\"\n")
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"profile", nil, []string{"api.sandbox.push.apple.com", "apns-topic: com.example.app", pushToken[:16]}},
		{"flag wins", []string{"--topic", "com.example.flag"}, []string{"api.sandbox.push.apple.com", "apns-topic: com.example.flag"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, code, msg := runConfigCLI(t, append([]string{"send", "--config", cfg, "--dry-run"}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %q\n%s", code, msg, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("no %q in\n%s", w, out)
				}
			}
		})
	}
}
