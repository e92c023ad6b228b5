package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSecretsRefused: key material or a password written into the file
// is an error naming file:line:field, and the message never repeats it.
func TestSecretsRefused(t *testing.T) {
	pemKey := "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----"
	jwt := "eyJhbGciOiJFUzI1NiIsImtpZCI6IkFCQzEyMzQ1NjcifQ.eyJpc3MiOiJURUFNMTIzNDU2In0.c2lnbmF0dXJl"
	der := "MIIKcQIBAzCCCjcGCSqGSIb3DQEHAaCCCigEggokMIIKIDCCBNcGCSqGSIb3DQEHBqCCBMgwggTEAgEAMIIEvQYJKoZIhvcNAQcB"
	for _, tc := range []struct {
		name, text, secret, want string
	}{
		{"pem as auth_key", "[profiles.a]\nauth_key = \"\"\"\n" + pemKey + "\"\"\"\n", "MIGHAgEA", "2: profiles.a.auth_key: holds a PEM block"},
		{"jwt as auth_key", "[profiles.a]\n\nauth_key = \"" + jwt + "\"\n", "c2lnbmF0dXJl", "3: profiles.a.auth_key: holds a JWT"},
		{"p12 as cert", "[profiles.a]\ncert = \"" + der + "\"\n", "MIIKcQ", "2: profiles.a.cert: holds base64 key or certificate data"},
		{"literal password", "[profiles.a]\ncert = \"push.p12\"\ncert_password = \"hunter2\"\n", "hunter2", "3: profiles.a.cert_password: a literal password: write env:NAME"},
		{"password with a colon", "[profiles.a]\ncert = \"push.p12\"\ncert_password = \"pass:w0rd9\"\n", "w0rd9", "3: profiles.a.cert_password: a literal password"},
		{"credentials in a URL", "[profiles.a]\nserver = \"https://me:pa55w0rd@provider.example.com\"\n", "pa55w0rd", "2: profiles.a.server: a URL with a user name or password"},
		{"pem in ca", "[profiles.a]\nca = '''" + strings.ReplaceAll(pemKey, "PRIVATE KEY", "CERTIFICATE") + "'''\n", "MIGHAgEA", "2: profiles.a.ca: holds a PEM block"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := fixture(t, tc.text)
			f, err := Load(p)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, pr := range f.Check() {
				got = append(got, pr.String())
			}
			all := strings.Join(got, "\n")
			if !strings.Contains(all, p+":"+tc.want) {
				t.Errorf("no %q in:\n%s", tc.want, all)
			}
			if strings.Contains(all, tc.secret) {
				t.Errorf("the message repeats the secret:\n%s", all)
			}
		})
	}
}

// TestResolve reads env:NAME and file:PATH, and says which is missing
// without the value.
func TestResolve(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw.txt")
	if err := os.WriteFile(pw, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CALLSCOPE_TEST_P12_PASSWORD", "from-env")
	for _, tc := range []struct{ ref, want, err string }{
		{"env:CALLSCOPE_TEST_P12_PASSWORD", "from-env", ""},
		{"env:CALLSCOPE_TEST_UNSET", "", "env:CALLSCOPE_TEST_UNSET: CALLSCOPE_TEST_UNSET is not set"},
		{"file:" + pw, "s3cret", ""},
		{"file:" + pw + ".nope", "", "no such file or directory"},
		{"hunter2", "", "want env:NAME or file:PATH"},
	} {
		got, err := Resolve(tc.ref)
		if got != tc.want || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("Resolve(%q) = %q, %v; want %q, %q", tc.ref, got, err, tc.want, tc.err)
		}
	}
}

// TestCertPasswordChecked: config check resolves cert_password as push
// will, and names the field when the variable is unset or the file absent.
func TestCertPasswordChecked(t *testing.T) {
	text := "[profiles.a]\ncert = \"key.p8\"\ncert_password = \"env:CALLSCOPE_TEST_UNSET\"\n" +
		"[profiles.b]\ncert = \"key.p8\"\ncert_password = \"file:pw.txt\"\n"
	p := fixture(t, text)
	f, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, pr := range f.Check() {
		got = append(got, pr.String())
	}
	all := strings.Join(got, "\n")
	for _, w := range []string{
		p + ":3: profiles.a.cert_password: env:CALLSCOPE_TEST_UNSET: CALLSCOPE_TEST_UNSET is not set",
		p + ":6: profiles.b.cert_password: file:" + filepath.Join(filepath.Dir(p), "pw.txt") + ": no such file or directory",
	} {
		if !strings.Contains(all, w) {
			t.Errorf("no %q in:\n%s", w, all)
		}
	}
}

// TestExampleRoundTrip: config init writes the example 0600, refuses to
// overwrite it, and config check passes on it.
func TestExampleRoundTrip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sub", "config.toml")
	if err := WriteExample(p, false); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %04o, want 0600", fi.Mode().Perm())
	}
	if err := os.WriteFile(p, []byte("# mine\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteExample(p, false); !errors.Is(err, ErrExists) {
		t.Errorf("WriteExample over a file: %v, want ErrExists", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "# mine\n" {
		t.Errorf("the file was overwritten: %q", b)
	}
	if err := WriteExample(p, true); err != nil {
		t.Fatal(err)
	}
	f, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if ps := f.Check(); len(ps) != 0 {
		t.Errorf("the example has problems: %v", ps)
	}
	if f.DefaultProfile != "local" || len(f.Profiles) != 1 {
		t.Errorf("default %q, %d profiles", f.DefaultProfile, len(f.Profiles))
	}
	entries, _ := os.ReadDir(filepath.Dir(p))
	if len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
}

func TestDefaultPath(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", "/x/cfg")
	if p, _ := DefaultPath(); p != "/x/cfg/callscope/config.toml" {
		t.Errorf("with XDG_CONFIG_HOME: %s", p)
	}
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("HOME", "/home/u")
	if p, _ := DefaultPath(); p != "/home/u/.config/callscope/config.toml" {
		t.Errorf("without XDG_CONFIG_HOME: %s", p)
	}
}

// TestSettings: paths resolve against home and the file's folder, a
// device name becomes its token, cert_password keeps its scheme.
func TestSettings(t *testing.T) {
	t.Setenv("HOME", "/home/u")
	p := fixture(t, "[profiles.a]\nauth_key = \"~/keys/k.p8\"\nca = \"ca.pem\"\nport = 2197\ndevice_token = \"alice\"\ncert_password = \"file:pw\"\n[profiles.a.devices]\nalice = \""+strings.ToUpper(tok)+"\"\n")
	f, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	prof, err := f.Profile("a")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(p)
	for key, want := range map[string]string{
		"auth_key": "/home/u/keys/k.p8", "ca": filepath.Join(dir, "ca.pem"), "port": "2197",
		"device_token": tok, "cert_password": "file:" + filepath.Join(dir, "pw"),
	} {
		s, ok := f.Setting(prof, key)
		if !ok || s.Value != want {
			t.Errorf("%s = %q, %v; want %q", key, s.Value, ok, want)
		}
	}
	if s, _ := f.Setting(prof, "port"); s.Origin(p) != p+":4: profiles.a.port" {
		t.Errorf("origin %q", s.Origin(p))
	}
	if _, err := f.Profile("b"); err == nil || !strings.Contains(err.Error(), `no profile "b" in `+p+" (it has a)") {
		t.Errorf("Profile(b): %v", err)
	}
}
