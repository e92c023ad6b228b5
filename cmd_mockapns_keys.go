package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/callscope/callscope/transport/apns"
	"github.com/callscope/callscope/transport/apnsmock"
)

// providerKeyUsage is the --provider-key syntax, for help and errors.
const providerKeyUsage = "KEYID:TEAMID:FILE.p8[:sandbox|:production][:topic=BUNDLEID[,BUNDLEID…]][:related=KEYID]"

// parseProviderKey reads one --provider-key. Options come after the file and
// are taken from the right, so a file name may itself contain a colon.
func parseProviderKey(v string) (apnsmock.ProviderKey, error) {
	bad := func(format string, a ...any) (apnsmock.ProviderKey, error) {
		return apnsmock.ProviderKey{}, fmt.Errorf("--provider-key %q: "+format, append([]any{v}, a...)...)
	}
	parts := strings.Split(v, ":")
	if len(parts) < 3 || parts[0] == "" || parts[1] == "" {
		return bad("want %s", providerKeyUsage)
	}
	k := apnsmock.ProviderKey{KeyID: parts[0], TeamID: parts[1]}
	rest := parts[2:]
	var opts []string
	for len(rest) > 1 && isKeyOption(rest[len(rest)-1]) {
		opts = append([]string{rest[len(rest)-1]}, opts...)
		rest = rest[:len(rest)-1]
	}
	file := strings.Join(rest, ":")
	if file == "" {
		return bad("no key file (want %s)", providerKeyUsage)
	}
	if i := strings.LastIndex(file, ":"); i > 0 && !exists(file) && exists(file[:i]) {
		return bad("unknown option %q (want sandbox, production, topic=BUNDLEID or related=KEYID)", file[i+1:])
	}
	for _, o := range opts {
		name, val, _ := strings.Cut(o, "=")
		switch name {
		case "sandbox", "production":
			if k.Environment != "" {
				return bad("%s and %s: a key is scoped to one environment, or to none for both", k.Environment, name)
			}
			k.Environment = name
		case "topic":
			for _, t := range strings.Split(val, ",") {
				if t == "" {
					return bad("topic=%s: an empty bundle id", val)
				}
				k.Topics = append(k.Topics, t)
			}
		case "related":
			if val == "" || k.Related != "" {
				return bad("related= names one key id")
			}
			k.Related = val
		default:
			return bad("unknown option %q (want sandbox, production, topic=BUNDLEID or related=KEYID)", o)
		}
	}
	if k.Related != "" && k.Topics == nil {
		return bad("related= is for a topic-specific key: add topic=BUNDLEID")
	}
	key, err := apns.LoadP8(file)
	if err != nil {
		return apnsmock.ProviderKey{}, fmt.Errorf("--provider-key: %w", err)
	}
	k.Public = &key.PublicKey
	return k, nil
}

// isKeyOption says whether a colon-separated part reads as an option. An
// unknown name=value is one too, so that it is refused by name.
func isKeyOption(s string) bool {
	return s == "sandbox" || s == "production" || strings.Contains(s, "=") && !strings.ContainsAny(s, `/\`)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// parseProviderKeys reads every --provider-key and checks them as a set.
func parseProviderKeys(vals []string) ([]apnsmock.ProviderKey, error) {
	var keys []apnsmock.ProviderKey
	seen := map[string]bool{}
	for _, v := range vals {
		k, err := parseProviderKey(v)
		if err != nil {
			return nil, err
		}
		if seen[k.KeyID] {
			return nil, fmt.Errorf("--provider-key %s: given twice", k.KeyID)
		}
		seen[k.KeyID] = true
		keys = append(keys, k)
	}
	return keys, nil
}

// describeKey is a key's line in mock-apns's start-up text.
func describeKey(k apnsmock.ProviderKey, env string) string {
	s := fmt.Sprintf("provider key %s, team %s: ", k.KeyID, k.TeamID)
	if k.Topics == nil {
		s += "team-scoped"
	} else {
		s += "topic-specific (" + strings.Join(k.Topics, ", ") + ")"
		if k.Related != "" {
			s += ", related to " + k.Related
		}
	}
	switch {
	case k.Environment != "":
		s += ", " + k.Environment + " only"
	case k.Topics != nil:
		s += ", " + env + " only"
	default:
		s += ", sandbox and production"
	}
	return s
}
