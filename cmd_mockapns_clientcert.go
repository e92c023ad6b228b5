package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"software.sslmate.com/src/go-pkcs12"

	"github.com/callscope/callscope/transport/apns"
	"github.com/callscope/callscope/transport/apnsmock"
)

// clientCertFlags hand out a provider certificate the mock's CA signed: the
// mock trusts no other client certificate, so without one certificate auth
// (push --cert) could not be tried against a running mock-apns.
type clientCertFlags struct {
	out, topic, passFile, passEnv string
}

func (cf *clientCertFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&cf.out, "client-cert-out", "", "write a provider certificate and its key the mock trusts, for certificate auth (push --cert), to FILE.p12 (mode 0600)")
	f.StringVar(&cf.topic, "client-cert-topic", "", "the bundle id the --client-cert-out certificate is for (default: the first --topic)")
	f.StringVar(&cf.passFile, "client-cert-password-file", "", "protect the .p12 with the password in FILE (default: an empty password)")
	f.StringVar(&cf.passEnv, "client-cert-password-env", "", "protect the .p12 with the password in the environment variable NAME")
}

// clientCertPlan is a checked --client-cert-out: what to issue and where.
type clientCertPlan struct {
	path, bundle, env, password string
	passFlag                    string // how push reads the password back: "" or "--cert-password-file FILE"
	unknownTopic                bool   // the bundle is not one of --topic
}

// prepare checks the flags before the mock listens, as writable does the
// file: a refused start writes nothing. The password never appears in an
// error.
func (cf clientCertFlags) prepare(o mockAPNsOptions) (*clientCertPlan, error) {
	if cf.out == "" {
		for _, f := range []struct{ name, v string }{{"--client-cert-topic", cf.topic},
			{"--client-cert-password-file", cf.passFile}, {"--client-cert-password-env", cf.passEnv}} {
			if f.v != "" {
				return nil, usageError{fmt.Errorf("%s: only with --client-cert-out FILE.p12", f.name)}
			}
		}
		return nil, nil
	}
	if cf.out == o.caOut || cf.out == o.record {
		return nil, usageError{fmt.Errorf("--client-cert-out %s: the same file as --ca-out or --record", cf.out)}
	}
	p := &clientCertPlan{path: cf.out, bundle: cf.topic, env: o.environment}
	if p.bundle == "" && len(o.topics) > 0 {
		p.bundle = o.topics[0]
	}
	switch {
	case p.bundle == "":
		return nil, usageError{errors.New("--client-cert-out: the certificate needs a bundle id: give --topic BUNDLE or --client-cert-topic BUNDLE")}
	case strings.ContainsAny(p.bundle, " \t/"):
		return nil, usageError{fmt.Errorf("--client-cert-topic %q: not a bundle id", p.bundle)}
	case apns.BaseTopic(p.bundle) != p.bundle:
		return nil, usageError{fmt.Errorf("--client-cert-topic %q: give the app's bundle id %s; its certificate covers the %s topic too",
			p.bundle, apns.BaseTopic(p.bundle), strings.TrimPrefix(p.bundle, apns.BaseTopic(p.bundle)))}
	}
	p.unknownTopic = !slices.Contains(o.topics, p.bundle)
	switch {
	case cf.passFile != "" && cf.passEnv != "":
		return nil, usageError{errors.New("--client-cert-password-file: give the password one way: a file or --client-cert-password-env")}
	case cf.passFile != "":
		b, err := os.ReadFile(cf.passFile)
		if err != nil {
			return nil, usageError{fmt.Errorf("--client-cert-password-file: %w", err)}
		}
		// As push reads it back: a file's trailing newline is no part of it.
		p.password = strings.TrimRight(string(b), "\r\n")
		p.passFlag = "--cert-password-file " + cf.passFile
	case cf.passEnv != "":
		v, ok := os.LookupEnv(cf.passEnv)
		if !ok {
			return nil, usageError{fmt.Errorf("--client-cert-password-env: %s is not set", cf.passEnv)}
		}
		p.password = v
		p.passFlag = "--cert-password-env " + cf.passEnv
	}
	return p, writable("--client-cert-out", cf.out)
}

// write issues the certificate for the mock's --environment (Apple's
// sandbox or production extension, as the mock checks) and writes it as a
// PKCS#12 file the way OpenSSL 3 does (AES-256, HMAC-SHA-256), which push's
// --cert, Keychain, curl and apns2 read. The file holds a private key: 0600,
// written whole or not at all.
func (p *clientCertPlan) write(m *apnsmock.Server) error {
	cert, err := m.IssueClientCert(apnsmock.ClientCertOptions{BundleID: p.bundle, Environment: p.env})
	if err != nil {
		return err
	}
	der, err := pkcs12.Modern.Encode(cert.PrivateKey, cert.Leaf, nil, p.password)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p.path), ".client-cert-*.p12")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(der); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p.path)
}

// describe is the start-up line: the file, what it is for, and the push
// command that uses it. caOut is --ca-out's file; without it (or with
// --cert) the server's issuer is the user's to name.
func (p *clientCertPlan) describe(url, caOut string) string {
	ca := caOut
	if ca == "" {
		ca = "FILE"
	}
	cmd := []string{"callscope push --apns", url, "--ca", ca, "--cert", p.path}
	if p.passFlag != "" {
		cmd = append(cmd, p.passFlag)
	}
	if p.env == "production" {
		cmd = append(cmd, "--yes") // a production-only certificate counts as production
	}
	note := ""
	if p.unknownTopic {
		note = "; not one of --topic, so its pushes get 400 TopicDisallowed"
	}
	return fmt.Sprintf("client certificate: %s (%s, %s only%s; %s)", p.path, p.bundle, p.env, note, strings.Join(cmd, " "))
}
