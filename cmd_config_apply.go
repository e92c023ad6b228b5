package main

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/callscope/callscope/config"
)

// profileBinding is one profile key and the flag it sets. A command that
// lacks the flag takes nothing from the key.
type profileBinding struct {
	key, flag string
	// group: a flag of the other auth group given on the command line
	// drops this group from the profile (a --cert given means the
	// profile's token auth is not wanted, and the reverse); --apns given
	// drops the profile's endpoint details (its port and CA belong to its
	// endpoint).
	group string
}

var profileBindings = []profileBinding{
	{"apns", "apns", ""},
	{"port", "port", "endpoint"},
	{"ca", "ca", "endpoint"},
	{"environment", "environment", ""},
	{"topic", "topic", ""},
	{"device_token", "device-token", ""},
	{"auth_key", "auth-key", "token"},
	{"key_id", "key-id", "token"},
	{"team_id", "team-id", "token"},
	{"cert", "cert", "cert"},
	{"cert_password", "", "cert"}, // env:NAME → --cert-password-env, file:PATH → --cert-password-file
	{"server", "server", ""},
	{"server_template", "server-template", ""},
	{"ingest", "ingest", ""},
}

// originKey is the flag annotation that says which profile line set it.
const originKey = "callscope/profile"

// profileFlags gives cmd --config and --profile. Its RunE calls
// applyProfile(cmd) before reading any flag. Only commands whose flags
// mean what the profile's keys mean take a profile: mock-apns's --cert is
// its server's certificate, not a provider's .p12, so it takes none.
func profileFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.String("config", "", "the config file of profiles (default "+defaultConfigHelp+"; see callscope config)")
	f.String("profile", "", "take every flag not given from this profile of the config file (default: its default_profile)")
}

// withProfile gives cmd --config and --profile and applies the profile
// before cmd's own RunE reads any flag.
func withProfile(cmd *cobra.Command) {
	profileFlags(cmd)
	run := cmd.RunE
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := applyProfile(cmd); err != nil {
			return err
		}
		return profileBlame(cmd, run(cmd, args))
	}
}

// applyProfile sets each of cmd's flags that the command line did not set
// from the chosen profile: --profile NAME, else the file's default_profile,
// else none. The file is --config FILE (which must exist), else the default
// path (which may not). Every value taken is checked first, and a problem
// names the file, line and field: exit 2, and nothing runs. A
// --device-token given as a name of the profile's [devices] becomes its
// token. Commands without --config (see profileFlags) are left alone.
func applyProfile(cmd *cobra.Command) error {
	fs := cmd.Flags()
	if fs.Lookup("config") == nil || fs.Lookup("profile") == nil {
		return nil
	}
	file, _ := fs.GetString("config")
	name, _ := fs.GetString("profile")
	path, err := configPath(file)
	if err != nil {
		return err
	}
	f, err := config.Load(path)
	switch {
	case errors.Is(err, config.ErrNotFound) && file == "" && name == "":
		return nil // no config file: flags and defaults only
	case errors.Is(err, config.ErrNotFound) && file == "":
		return usageError{fmt.Errorf("--profile %s: no config file at %s (callscope config init writes one; or give --config FILE)", name, path)}
	case err != nil && file == "":
		return usageError{fmt.Errorf("config file %w", err)}
	case err != nil:
		return usageError{fmt.Errorf("--config %w", err)}
	}
	if ps := f.Problems(); len(ps) > 0 {
		return usageError{firstProblem(ps)}
	}
	p, err := f.Profile(name)
	if err != nil {
		return usageError{fmt.Errorf("--profile %s: %w", name, err)}
	}
	if p == nil {
		return nil
	}
	take := profileTakes(fs, f, p)
	var keys []string
	for _, b := range take {
		keys = append(keys, b.key)
	}
	var bad []config.Problem
	for _, pr := range f.CheckKeys(p, keys) {
		if !pr.Warning {
			bad = append(bad, pr)
		}
	}
	if len(bad) > 0 {
		return usageError{fmt.Errorf("--profile %s: %w", p.Name, firstProblem(bad))}
	}
	for _, b := range take {
		s, _ := f.Setting(p, b.key)
		flag, val := b.flag, s.Value
		if b.key == "cert_password" {
			scheme, rest, _ := strings.Cut(val, ":")
			flag, val = "cert-password-"+scheme, rest
		}
		fl := fs.Lookup(flag)
		if fl == nil {
			continue // a command with only one of the password flags
		}
		if err := fl.Value.Set(val); err != nil {
			return usageError{fmt.Errorf("%s: %v", s.Origin(f.Path), err)}
		}
		// Not marked Changed: a profile's value is a default, so code
		// that asks which flags the user typed is not misled.
		if fl.Annotations == nil {
			fl.Annotations = map[string][]string{}
		}
		fl.Annotations[originKey] = []string{s.Origin(f.Path)}
	}
	if fl := fs.Lookup("device-token"); fl != nil && fl.Changed {
		if tok, ok := p.Device(fl.Value.String()); ok {
			return fl.Value.Set(tok)
		}
	}
	return nil
}

// profileTakes are the bindings whose flag cmd has, the command line did
// not set, and the profile sets: flags override the profile.
func profileTakes(fs *pflag.FlagSet, f *config.File, p *config.Profile) []profileBinding {
	given := func(names ...string) bool {
		for _, n := range names {
			if fl := fs.Lookup(n); fl != nil && fl.Changed {
				return true
			}
		}
		return false
	}
	skip := map[string]bool{
		"endpoint": given("apns"),
		"token":    given("cert", "cert-password-file", "cert-password-env"),
		"cert":     given("auth-key", "key-id", "team-id"),
	}
	has := func(names ...string) bool {
		for _, n := range names {
			if fs.Lookup(n) != nil {
				return true
			}
		}
		return false
	}
	var take []profileBinding
	for _, b := range profileBindings {
		_, derived := f.Setting(p, b.key)
		if (!p.IsSet(b.key) && !derived) || skip[b.group] {
			continue
		}
		flags := []string{b.flag}
		if b.key == "cert_password" {
			flags = []string{"cert-password-env", "cert-password-file"}
		}
		if !has(flags...) || given(flags...) {
			continue
		}
		take = append(take, b)
	}
	return take
}

// firstProblem is the first of ps, saying how many more there are.
func firstProblem(ps []config.Problem) error {
	if len(ps) == 1 {
		return ps[0]
	}
	return fmt.Errorf("%s (and %d more: callscope config check lists them)", ps[0], len(ps)-1)
}

// flagAtStart is a message that begins with the flag it is about.
var flagAtStart = regexp.MustCompile(`^--([a-z0-9-]+)`)

// profileBlame adds to a usage error about a flag the profile set where
// it was set: the user did not type that flag, and must find the line.
func profileBlame(cmd *cobra.Command, err error) error {
	var ue usageError
	if !errors.As(err, &ue) {
		return err
	}
	m := flagAtStart.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	fl := cmd.Flags().Lookup(m[1])
	if fl == nil || fl.Changed || len(fl.Annotations[originKey]) == 0 {
		return err
	}
	return usageError{fmt.Errorf("%w (--%s set by %s)", ue.error, m[1], fl.Annotations[originKey][0])}
}
