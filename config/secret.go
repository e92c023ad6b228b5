package config

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"
)

// nowFunc is the clock for certificate expiry.
var nowFunc = time.Now

var (
	jwtRE    = regexp.MustCompile(`^eyJ[\w-]+\.[\w-]+\.[\w-]*$`)
	derB64RE = regexp.MustCompile(`^MI[A-Za-z0-9+/]{60,}={0,2}$`)
	envRE    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// literalSecret says what secret a value holds itself, or "": key
// material pasted where its path belongs. The message never quotes it.
func literalSecret(v string) string {
	switch {
	case strings.Contains(v, "-----BEGIN"):
		return "a PEM block (a key or certificate)"
	case jwtRE.MatchString(v):
		return "a JWT"
	case derB64RE.MatchString(v):
		return "base64 key or certificate data"
	case strings.ContainsAny(v, "\n\r"):
		return "several lines"
	}
	return ""
}

// checkSecretRef checks a cert_password: a reference to the secret,
// never the secret. It never repeats what is written, which may be a
// password.
func checkSecretRef(raw, resolved string) string {
	scheme, rest, ok := strings.Cut(raw, ":")
	switch {
	case !ok || (scheme != "env" && scheme != "file"):
		return "a literal password: write env:NAME (an environment variable) or file:PATH (a file holding it), never the password"
	case rest == "":
		return fmt.Sprintf("%s: with nothing after it", scheme+":")
	case scheme == "env" && !envRE.MatchString(rest):
		return fmt.Sprintf("env:%s: not an environment variable's name", short(rest))
	}
	if _, err := Resolve(resolved); err != nil {
		return err.Error()
	}
	return ""
}

// Resolve reads a secret reference: env:NAME is the environment variable
// NAME, file:PATH the file's content without its trailing line break.
// Errors never hold the secret.
func Resolve(ref string) (string, error) {
	scheme, rest, _ := strings.Cut(ref, ":")
	switch scheme {
	case "env":
		v, ok := os.LookupEnv(rest)
		if !ok {
			return "", fmt.Errorf("env:%s: %s is not set", rest, rest)
		}
		return v, nil
	case "file":
		b, err := os.ReadFile(rest)
		if err != nil {
			return "", fmt.Errorf("file:%s: %v", rest, unwrapPath(err))
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	return "", errors.New("want env:NAME or file:PATH")
}

// unwrapPath drops the path an fs error repeats.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// sortProblems orders problems by line, so a reader fixes the file top
// down; problems without a line (whole-file ones) come first.
func sortProblems(ps []Problem) []Problem {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Field, b.Field))
	})
	return ps
}

func sortStrings(s []string) { slices.Sort(s) }
