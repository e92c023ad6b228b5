package config

import (
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/callscope/callscope/transport/apns"
)

// Check is every problem in the file, warnings last in each line's place:
// its structure, every profile's values, and how each profile's values go
// together (token or certificate auth, endpoint and environment).
func (f *File) Check() []Problem {
	ps := append([]Problem(nil), f.problems...)
	for _, name := range f.Names() {
		p := f.Profiles[name]
		var keys []string
		for _, fd := range Fields {
			keys = append(keys, fd.Key)
		}
		ps = append(ps, f.CheckKeys(p, keys)...)
		ps = append(ps, f.checkTogether(p)...)
	}
	return sortProblems(ps)
}

// CheckKeys checks the named keys of p one by one, and p's devices: what
// a command takes from the profile (flags may override the rest).
func (f *File) CheckKeys(p *Profile, keys []string) []Problem {
	var ps []Problem
	for _, key := range keys {
		fd, ok := field(key)
		if !ok || !fd.get(p).IsSet() {
			continue
		}
		k := toml.Key{"profiles", p.Name, key}
		v := fd.get(p)
		if msg := wrongType(fd, v); msg != "" {
			ps = append(ps, f.problemAt(k, "%s", msg))
			continue
		}
		s, _ := f.Setting(p, key)
		raw, ok := v.Text()
		if !ok {
			raw = s.Value // a number
		}
		if msg := checkValue(fd, raw, s.Value, p); msg != "" {
			ps = append(ps, f.problemAt(k, "%s", msg))
		}
		if fd.Key == "auth_key" {
			if fi, err := os.Stat(s.Value); err == nil && fi.Mode().Perm()&0o077 != 0 {
				pr := f.problemAt(k, "%s is readable by others (mode %04o): chmod 600 it", raw, fi.Mode().Perm())
				pr.Warning = true
				ps = append(ps, pr)
			}
		}
	}
	for name, v := range p.Devices {
		k := toml.Key{"profiles", p.Name, "devices", name}
		tok, ok := v.Text()
		switch {
		case !ok:
			ps = append(ps, f.problemAt(k, "want the device token as a hex string; got %s", typeName(v.raw)))
		case !isToken(tok):
			ps = append(ps, f.problemAt(k, "%q is not an even-length hex string, as iOS hands tokens to the app (APNs would answer BadDeviceToken)", short(tok)))
		}
	}
	return sortProblems(ps)
}

// wrongType is the complaint about a value of the wrong TOML type.
func wrongType(fd Field, v *Value) string {
	switch v.raw.(type) {
	case string:
		if fd.Kind != number {
			return ""
		}
		return fmt.Sprintf("want an integer (443 or 2197), without quotes; got %s", typeName(v.raw))
	case int64:
		if fd.Kind == number {
			return ""
		}
	}
	return fmt.Sprintf("want a string; got %s", typeName(v.raw))
}

// checkValue is the complaint about one value, raw as written and
// resolved as a flag takes it.
func checkValue(fd Field, raw, resolved string, p *Profile) string {
	if fd.Kind == secret {
		return checkSecretRef(raw, resolved)
	}
	if what := literalSecret(raw); what != "" {
		return fmt.Sprintf("holds %s: the file names keys by path (and passwords by env:NAME or file:PATH), never their contents", what)
	}
	if raw == "" {
		return "empty: leave the key out instead"
	}
	if u, err := url.Parse(raw); err == nil && u.User != nil && (fd.Key == "apns" || fd.Key == "server") {
		return "a URL with a user name or password in it: the file never holds credentials"
	}
	switch fd.Key {
	case "apns":
		switch raw {
		case "mock", "sandbox", "production":
			return ""
		}
		if _, err := apns.ResolveAPNs(raw, 0); err != nil {
			return fmt.Sprintf("%q: want mock, sandbox, production or an https://HOST[:PORT] URL", raw)
		}
	case "port":
		if n, err := strconv.Atoi(raw); err != nil || n < 1 || n > 65535 {
			return fmt.Sprintf("%s: not a port", raw)
		}
	case "environment":
		if raw != "sandbox" && raw != "production" {
			return fmt.Sprintf("%q: want sandbox (the app's aps-environment development) or production", raw)
		}
	case "topic":
		if strings.ContainsAny(raw, " \t/") {
			return fmt.Sprintf("%q is not a bundle id (APNs would answer BadTopic)", raw)
		}
	case "device_token":
		if _, named := p.Device(raw); !named && !isToken(raw) {
			return fmt.Sprintf("%q is neither an even-length hex token nor a name in [%s] (%s)", short(raw), toml.Key{"profiles", p.Name, "devices"}, deviceNames(p))
		}
	case "key_id":
		if err := apns.CheckAppleID("key id", raw); err != nil {
			return err.Error()
		}
	case "team_id":
		if err := apns.CheckAppleID("team id", raw); err != nil {
			return err.Error()
		}
	case "auth_key":
		if _, err := apns.LoadP8(resolved); err != nil {
			return err.Error()
		}
	case "cert", "server_template":
		if msg := regularFile(resolved); msg != "" {
			return msg
		}
	case "ca":
		if msg := regularFile(resolved); msg != "" {
			return msg
		}
		b, _ := os.ReadFile(resolved)
		if !x509.NewCertPool().AppendCertsFromPEM(b) {
			return fmt.Sprintf("%s: no PEM certificate in it", resolved)
		}
	case "server":
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Sprintf("%q: want an http:// or https:// URL", raw)
		}
	case "ingest":
		if _, port, err := net.SplitHostPort(raw); err != nil || port == "" {
			return fmt.Sprintf("%q: want HOST:PORT, e.g. 127.0.0.1:4318", raw)
		}
	}
	return ""
}

// regularFile is the complaint about a path that is not a readable file.
func regularFile(p string) string {
	fi, err := os.Stat(p)
	switch {
	case err != nil:
		return fmt.Sprintf("%s: %v", p, unwrapPath(err))
	case fi.IsDir():
		return p + ": is a directory"
	}
	f, err := os.Open(p)
	if err != nil {
		return fmt.Sprintf("%s: %v", p, unwrapPath(err))
	}
	f.Close()
	return ""
}

// checkTogether checks what depends on several values of p.
func (f *File) checkTogether(p *Profile) []Problem {
	var ps []Problem
	at := func(key string) toml.Key {
		if key == "" {
			return toml.Key{"profiles", p.Name}
		}
		return toml.Key{"profiles", p.Name, key}
	}
	str := func(key string) string {
		fd, _ := field(key)
		s, _ := fd.get(p).Text()
		return s
	}
	set := func(key string) bool { fd, _ := field(key); return fd.get(p).IsSet() }

	ep := str("apns")
	if ep == "mock" {
		for _, key := range []string{"port", "ca"} {
			if set(key) {
				ps = append(ps, f.problemAt(at(key), "apns = \"mock\" runs in callscope's own process: %s is for sandbox, production or a URL", key))
			}
		}
	}
	if env, host := str("environment"), apnsEnvironment(ep); env != "" && host != "" && env != host {
		ps = append(ps, f.problemAt(at("environment"), "%q, but apns = %q is Apple's %s host: an app built for one environment has tokens the other refuses (BadDeviceToken)", env, ep, host))
	}
	if _, err := apns.ResolveAPNs(ep, 0); set("port") && ep != "" && ep != "mock" && err == nil {
		if s, ok := f.Setting(p, "port"); ok {
			if n, err := strconv.Atoi(s.Value); err == nil {
				if _, err := apns.ResolveAPNs(ep, n); err != nil {
					ps = append(ps, f.problemAt(at("port"), "%v", err))
				}
			}
		}
	}

	if set("cert_password") && !set("cert") {
		ps = append(ps, f.problemAt(at("cert_password"), "a certificate password without cert"))
	}
	token := set("auth_key") || set("key_id") || set("team_id")
	switch {
	case token && set("cert"):
		ps = append(ps, f.problemAt(at("cert"), "token auth (auth_key) and certificate auth (cert) in one profile: keep one"))
	case token:
		for _, key := range []string{"auth_key", "key_id", "team_id"} {
			if !set(key) {
				ps = append(ps, f.problemAt(at(""), "token auth needs auth_key, key_id and team_id: %s is missing", key))
			}
		}
	case set("cert"):
		ps = append(ps, f.checkP12(p)...)
	}
	return ps
}

// checkP12 opens the certificate with its password, when both can be had.
func (f *File) checkP12(p *Profile) []Problem {
	cert, ok := f.Setting(p, "cert")
	if !ok || regularFile(cert.Value) != "" {
		return nil // reported on its own
	}
	pass := ""
	if s, ok := f.Setting(p, "cert_password"); ok {
		var err error
		if pass, err = Resolve(s.Value); err != nil {
			return nil // reported on its own
		}
	}
	k := toml.Key{"profiles", p.Name, "cert"}
	_, info, err := apns.LoadP12(cert.Value, pass)
	if err != nil {
		return []Problem{f.problemAt(k, "%v", err)}
	}
	ep, _ := p.APNs.Text()
	if host := apnsHost(ep); host != "" {
		if err := apns.CheckCertFor(info, host, nowFunc()); err != nil {
			return []Problem{f.problemAt(k, "%v", err)}
		}
	}
	return nil
}

// apnsHost is Apple's host for sandbox and production, else "".
func apnsHost(ep string) string {
	if ep != "sandbox" && ep != "production" {
		return ""
	}
	h, _ := apns.ResolveAPNs(ep, 0)
	return h
}

// apnsEnvironment is sandbox or production for Apple's hosts, else "".
func apnsEnvironment(ep string) string {
	if h := apnsHost(ep); h != "" {
		return apns.Environment(h)
	}
	return ""
}

func isToken(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil && s != ""
}

func deviceNames(p *Profile) string {
	if len(p.Devices) == 0 {
		return "it has none"
	}
	var ns []string
	for n := range p.Devices {
		ns = append(ns, n)
	}
	sortStrings(ns)
	return "it has " + strings.Join(ns, ", ")
}

func short(s string) string {
	if len(s) > 24 {
		return s[:24] + "…"
	}
	return s
}
