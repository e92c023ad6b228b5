package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

	_, code, msg := runConfigCLI(t, "config", "check")
	if code != 2 || !strings.Contains(msg, def+": no config file there") {
		t.Fatalf("check before init: %d %q", code, msg)
	}
	out, code, msg := runConfigCLI(t, "config", "init")
	if code != 0 || !strings.Contains(out, "wrote "+def+" (mode 0600)") {
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
