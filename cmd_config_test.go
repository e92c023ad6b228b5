package main

import (
	"bytes"
	"context"
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

func init() {
	// Tests never read the config file of whoever runs them: the default
	// path is somewhere that cannot exist. Tests that want a default file
	// set XDG_CONFIG_HOME themselves.
	os.Setenv("XDG_CONFIG_HOME", "/nonexistent/callscope-test-config")
}

// runConfigCLI runs callscope with args as the shell does: the output (stdout
// and stderr), the exit status, and the error's line.
func runConfigCLI(t *testing.T, args ...string) (string, int, string) {
	t.Helper()
	root := rootCommand()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetIn(strings.NewReader(""))
	root.SetArgs(args)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := root.ExecuteContext(ctx)
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	return out.String(), exitStatus(err), msg
}

func writeFile(t *testing.T, path, text string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestConfigInitCheck: config init writes a 0600 example that config
// check passes (exit 0), refuses to overwrite it (exit 2, file kept)
// unless --force, and push takes its default profile.
func TestConfigInitCheck(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	def := filepath.Join(dir, "callscope", "config.toml")

	out, code, msg := runConfigCLI(t, "config", "check")
	if code != 2 || !strings.Contains(msg, def+": no config file there") {
		t.Fatalf("check before init: %d %q", code, msg)
	}
	if out, code, msg = runConfigCLI(t, "config", "init"); code != 0 || !strings.Contains(out, "wrote "+def+" (mode 0600)") {
		t.Fatalf("init: %d %q %s", code, msg, out)
	}
	if fi, err := os.Stat(def); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("init wrote %v, %v", fi, err)
	}
	if out, code, msg = runConfigCLI(t, "config", "check"); code != 0 || !strings.Contains(out, def+": ok: 1 profile (local), default local") {
		t.Fatalf("check after init: %d %q %s", code, msg, out)
	}
	writeFile(t, def, "# mine\n")
	if _, code, msg = runConfigCLI(t, "config", "init"); code != 2 || !strings.Contains(msg, "exists (add --force to overwrite it)") {
		t.Fatalf("init over a file: %d %q", code, msg)
	}
	if b, _ := os.ReadFile(def); string(b) != "# mine\n" {
		t.Fatalf("init overwrote the file: %q", b)
	}
	if _, code, msg = runConfigCLI(t, "config", "init", "--force"); code != 0 {
		t.Fatalf("init --force: %d %q", code, msg)
	}
	// The default profile needs no flag: topic and token come from it.
	out, code, msg = runConfigCLI(t, "push", "--dry-run", "--json")
	if code != 0 {
		t.Fatalf("push with the example: %d %q", code, msg)
	}
	if !strings.Contains(out, `"value": "com.example.app"`) || !strings.Contains(out, "/3/device/a1b2c3d4e5f6") {
		t.Errorf("push did not take the example's profile:\n%s", out)
	}

	other := filepath.Join(t.TempDir(), "callscope.toml")
	if _, code, _ = runConfigCLI(t, "config", "init", "--config", other); code != 0 {
		t.Fatal("init --config")
	}
	if out, code, _ = runConfigCLI(t, "config", "check", "--config", other); code != 0 || !strings.Contains(out, other+": ok") {
		t.Errorf("check --config after init --config: %d %s", code, out)
	}
}

// TestConfigCheckOutput: every problem on its own line with file, line and
// field; exit 2.
func TestConfigCheckOutput(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, filepath.Join(dir, "c.toml"), `default_profile = "staging"

[profiles.staging]
apns = "sandbox"
key_id = "ABC123"
team_id = "TEAM123456"
auth_key = "AuthKey.p8"
cert_password = "hunter2"
timeout = "5s"

[profiles.staging.devices]
bob = "not-hex"
`)
	out, code, msg := runConfigCLI(t, "config", "check", "--config", p)
	if code != 2 || msg != "config check: "+p+": 6 problems" {
		t.Errorf("exit %d, %q", code, msg)
	}
	for _, w := range []string{
		p + ":5: profiles.staging.key_id: \"ABC123\": a key id is 10 characters",
		p + ":7: profiles.staging.auth_key: " + filepath.Join(dir, "AuthKey.p8") + ": no such file or directory",
		p + ":8: profiles.staging.cert_password: a literal password",
		p + ":8: profiles.staging.cert_password: a certificate password without cert",
		p + ":9: profiles.staging.timeout: unknown field",
		p + ":12: profiles.staging.devices.bob: \"not-hex\" is not an even-length hex string",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("no %q in:\n%s", w, out)
		}
	}
	if strings.Contains(out+msg, "hunter2") {
		t.Errorf("check repeats the password:\n%s", out)
	}
	if _, code, msg = runConfigCLI(t, "config", "check", "--config", filepath.Join(dir, "nosuch.toml")); code != 2 || !strings.Contains(msg, "nosuch.toml: no such file") {
		t.Errorf("missing --config: %d %q", code, msg)
	}
}

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

// TestConfigExitCodes runs the real binary: a refused config run prints
// one line on stderr naming the file (and line and field), exits 2, and
// leaves files as they were.
func TestConfigExitCodes(t *testing.T) {
	bin := buildCallscope(t)
	dir := t.TempDir()
	env := []string{"XDG_CONFIG_HOME=" + filepath.Join(dir, "xdg")}
	mine := writeFile(t, filepath.Join(dir, "mine.toml"), "# mine\n")
	bad := writeFile(t, filepath.Join(dir, "bad.toml"), "default_profile = \"a\"\n[profiles.a]\nkey_id = \"SHORT\"\n")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"config", "check"}, 2, filepath.Join(dir, "xdg", "callscope", "config.toml") + ": no config file there"},
		{[]string{"config", "check", "--config", filepath.Join(dir, "no.toml")}, 2, "--config " + filepath.Join(dir, "no.toml") + ": no such file"},
		{[]string{"config", "check", "--config", bad}, 2, "config check: " + bad + ": 3 problems"},
		{[]string{"config", "init", "--config", mine}, 2, "config init: " + mine + ": exists (add --force to overwrite it)"},
		{[]string{"config", "nosuch"}, 2, ""},
		{[]string{"push", "--config", bad, "--dry-run"}, 2, "--profile a: " + bad + ":3: profiles.a.key_id: \"SHORT\""},
		{[]string{"push", "--profile", "a", "--dry-run"}, 2, "--profile a: no config file at"},
		{[]string{"push", "--dry-run", "--device-token", pushToken, "--topic", "com.example.app"}, 0, ""},
	} {
		code, _, stderr := runCLI(t, bin, env, tc.args...)
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if code != tc.code || !strings.Contains(stderr, tc.want) || (code == 2 && len(lines) != 1) {
			t.Errorf("%s: exit %d, want %d with %q; stderr:\n%s", strings.Join(tc.args, " "), code, tc.code, tc.want, stderr)
		}
	}
	if b, _ := os.ReadFile(mine); string(b) != "# mine\n" {
		t.Errorf("config init changed %s: %q", mine, b)
	}
	if _, err := os.Stat(filepath.Join(dir, "xdg")); err == nil {
		t.Error("a refused run made the config folder")
	}
}
