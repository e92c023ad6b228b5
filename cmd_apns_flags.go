package main

import (
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/callscope/callscope/transport/apns"
)

// apnsFlags are where a push goes and how it authenticates: the same flags,
// with the same meaning, on push, send and the screen (addAPNsFlags).
type apnsFlags struct {
	apns, ca                        string
	port                            int
	authKey, keyID, teamID          string
	cert, certPassFile, certPassEnv string
	yes                             bool
}

// addAPNsFlags adds --apns, --port, --ca, the token and certificate auth
// flags and --yes to a command. Every command that talks to APNs takes them
// from here, so that they read and check alike.
func addAPNsFlags(f *pflag.FlagSet, a *apnsFlags) {
	f.StringVar(&a.apns, "apns", "mock", "where to push: mock (callscope's mock, in this process), sandbox, production, or an https:// URL (a running callscope mock-apns)")
	f.IntVar(&a.port, "port", 0, "APNs port: 443 (default) or 2197")
	f.StringVar(&a.ca, "ca", "", "trust this CA (PEM) instead of the system's, e.g. the file mock-apns --ca-out wrote")
	f.StringVar(&a.authKey, "auth-key", "", "token auth: the .p8 signing key file from Apple")
	f.StringVar(&a.keyID, "key-id", "", "token auth: the key's 10-character id")
	f.StringVar(&a.teamID, "team-id", "", "token auth: your 10-character team id")
	f.StringVar(&a.cert, "cert", "", "certificate auth: the APNs certificate and key as a .p12 file")
	f.StringVar(&a.certPassFile, "cert-password-file", "", "the .p12's password from FILE (never a flag value)")
	f.StringVar(&a.certPassEnv, "cert-password-env", "", "the .p12's password from the environment variable NAME")
	f.BoolVar(&a.yes, "yes", false, "confirm sending to production APNs: it reaches real users' devices")
}

// isProduction says whether pushes to host with this certificate (nil for
// token auth) reach Apple's production environment: the production host, or
// a certificate only production accepts (sent to a URL, it can only be
// meant for production behind it). A .p8 does not say which environments
// its key may push to, so token auth counts by host alone.
func isProduction(host string, cert *apns.CertInfo) bool {
	if apns.Environment(host) == "production" {
		return true
	}
	return cert != nil && cert.Production && !cert.Sandbox
}

// errProductionNeedsYes is a production send without --yes.
var errProductionNeedsYes = errors.New("production reaches real users' devices: add --yes to send, or --dry-run to look first")

// checkProduction is the one production guard of push and send: a
// production target needs --yes unless nothing is sent (--dry-run). The
// error names the flag that made the target production.
func checkProduction(a apnsFlags, host string, cert *apns.CertInfo, dryRun bool) error {
	if dryRun || a.yes || !isProduction(host, cert) {
		return nil
	}
	if apns.Environment(host) == "production" {
		return usageError{fmt.Errorf("--apns: %w", errProductionNeedsYes)}
	}
	return usageError{fmt.Errorf("--cert: %s is a production-only certificate: %w", a.cert, errProductionNeedsYes)}
}
