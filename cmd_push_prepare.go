package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sideshow/apns2/token"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/transport/apns"
	"github.com/callscope/callscope/transport/apnsmock"
)

// preparedPush is a push checked and built, ready to show or send.
type preparedPush struct {
	req   *apns.Request
	dry   apns.DryRun
	auth  string // "token", "certificate" or "no"
	token *token.Token
	cert  *tls.Certificate
	roots *x509.CertPool
	mock  *embeddedMock // --apns mock
}

// flagFor names the flag behind each field apns.Request.Validate checks.
var flagFor = map[string]string{"device-token": "--device-token", "topic": "--topic", "push-type": "--type",
	"priority": "--priority", "expiration": "--expiration", "collapse-id": "--collapse-id", "apns-id": "--apns-id",
	"payload": "--payload", "header": "--header"}

// preparePush checks every flag and builds the request; every mistake it
// can know of before sending is a usage error naming its flag.
func preparePush(o pushOptions, stdin io.Reader) (*preparedPush, error) {
	p := &preparedPush{auth: "no"}
	r := &apns.Request{DeviceToken: strings.ToLower(o.deviceToken), Topic: o.topic, PushType: o.pushType,
		Priority: o.priority, CollapseID: o.collapseID, ApnsID: o.apnsID}
	p.req = r
	if _, ok := apns.LookupPushType(o.pushType); !ok {
		return nil, pushUsage("--type", fmt.Errorf("%q: want one of %s", o.pushType, apns.PushTypeNames()))
	}
	if o.priority == "" && o.pushType == "background" {
		r.Priority = "5" // Apple: a background push at 10 is an error
	}
	exp, err := parseExpiration(o.expiration, time.Now())
	if err != nil {
		return nil, pushUsage("--expiration", err)
	}
	r.Expiration = exp
	for _, h := range o.headers {
		name, val, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return nil, pushUsage("--header", fmt.Errorf("%q: want NAME:VALUE", h))
		}
		r.Extra = append(r.Extra, apns.Header{Name: strings.TrimSpace(name), Value: strings.TrimSpace(val)})
	}
	if err := p.host(o); err != nil {
		return nil, err
	}
	if err := p.credentials(o); err != nil {
		return nil, err
	}
	if p.mock == nil {
		if err := checkProduction(o.apnsFlags, p.req.Host, p.dry.Cert, o.dryRun); err != nil {
			return nil, err
		}
	}
	payloadFlag, err := p.payload(o, stdin)
	if err != nil {
		return nil, err
	}
	if err := r.Validate(); err != nil {
		var fe *apns.FieldError
		if errors.As(err, &fe) {
			flag := flagFor[fe.Field]
			if fe.Field == "payload" {
				flag = payloadFlag
			}
			return nil, pushUsage(flag, errors.New(fe.Msg))
		}
		return nil, usageError{err}
	}
	if pt, _ := apns.LookupPushType(r.PushType); pt.TokenOnly && p.auth == "certificate" {
		return nil, pushUsage("--cert", fmt.Errorf("a %s push needs token auth (--auth-key); APNs refuses it on a certificate connection", pt.Name))
	}
	p.dry.Request = r
	if p.mock != nil {
		p.mock.topic = apns.BaseTopic(r.Topic)
	}
	return p, nil
}

// host resolves --apns and --port, and --ca.
func (p *preparedPush) host(o pushOptions) error {
	if o.apns == "mock" {
		if o.port != 0 || o.ca != "" {
			return pushUsage("--apns", errors.New("mock runs in this process: --port and --ca are for sandbox, production or a URL"))
		}
		p.mock = &embeddedMock{}
		p.req.Host = "https://127.0.0.1"
		p.dry.HostNote = "callscope's embedded mock APNs, on a free port when sent"
		return nil
	}
	base, err := apns.ResolveAPNs(o.apns, o.port)
	if err != nil {
		return pushUsage("--apns", err)
	}
	p.req.Host = base
	if o.ca != "" {
		pem, err := os.ReadFile(o.ca)
		if err != nil {
			return pushUsage("--ca", err)
		}
		p.roots = x509.NewCertPool()
		if !p.roots.AppendCertsFromPEM(pem) {
			return pushUsage("--ca", fmt.Errorf("%s: no PEM certificate in it", o.ca))
		}
		p.dry.CAFile = o.ca
	}
	return nil
}

// credentials loads token or certificate auth. Against the embedded mock
// neither is needed: it is given a throwaway key, or the user's key or
// certificate to check.
func (p *preparedPush) credentials(o pushOptions) error {
	tokenAuth := o.authKey != "" || o.keyID != "" || o.teamID != ""
	switch {
	case tokenAuth && o.cert != "":
		return pushUsage("--cert", errors.New("give token auth (--auth-key) or certificate auth (--cert), not both"))
	case tokenAuth:
		return p.tokenAuth(o)
	case o.cert != "":
		return p.certAuth(o)
	case o.certPassFile != "" || o.certPassEnv != "":
		return pushUsage("--cert", errors.New("a certificate password without --cert"))
	case p.mock != nil:
		key, err := apns.GenerateKey()
		if err != nil {
			return err
		}
		p.auth, p.token = "token", &token.Token{AuthKey: key, KeyID: mockKeyID, TeamID: mockTeamID}
		p.mock.key = apnsmock.ProviderKey{KeyID: mockKeyID, TeamID: mockTeamID, Public: &key.PublicKey}
		p.dry.KeyID, p.dry.TeamID, p.dry.KeySource, p.dry.IssuedAt = mockKeyID, mockTeamID, "a throwaway key made for the mock", time.Now()
		return nil
	case apns.Environment(p.req.Host) != "":
		return usageError{fmt.Errorf("--apns %s: %w", o.apns, errNoAuth)}
	}
	return nil // a URL: it may be a proxy that signs; APNs would answer MissingProviderToken
}

// The throwaway key's ids against the embedded mock.
const (
	mockKeyID  = "MOCKKEY001"
	mockTeamID = "MOCKTEAM01"
)

func (p *preparedPush) tokenAuth(o pushOptions) error {
	switch {
	case o.authKey == "":
		return pushUsage("--auth-key", errors.New("token auth needs the .p8 file (with --key-id and --team-id)"))
	case o.keyID == "":
		return pushUsage("--key-id", errors.New("token auth needs the key's id (the 10 characters in AuthKey_<id>.p8)"))
	case o.teamID == "":
		return pushUsage("--team-id", errors.New("token auth needs your team id"))
	}
	if err := apns.CheckAppleID("key id", o.keyID); err != nil {
		return pushUsage("--key-id", err)
	}
	if err := apns.CheckAppleID("team id", o.teamID); err != nil {
		return pushUsage("--team-id", err)
	}
	key, err := apns.LoadP8(o.authKey)
	if err != nil {
		return pushUsage("--auth-key", err)
	}
	p.auth = "token"
	p.token = &token.Token{AuthKey: key, KeyID: o.keyID, TeamID: o.teamID}
	p.dry.KeyID, p.dry.TeamID, p.dry.KeyFile, p.dry.IssuedAt = o.keyID, o.teamID, o.authKey, time.Now()
	if p.mock != nil {
		p.mock.key = apnsmock.ProviderKey{KeyID: o.keyID, TeamID: o.teamID, Public: &key.PublicKey}
	}
	return nil
}

func (p *preparedPush) certAuth(o pushOptions) error {
	pass, err := certPassword(o)
	if err != nil {
		return err
	}
	cert, info, err := apns.LoadP12(o.cert, pass)
	if err != nil {
		return pushUsage("--cert", err)
	}
	if err := apns.CheckCertFor(info, p.req.Host, time.Now()); err != nil {
		return pushUsage("--cert", fmt.Errorf("%s: %w", o.cert, err))
	}
	if p.req.Topic == "" && info.BundleID != "" {
		pt, _ := apns.LookupPushType(p.req.PushType)
		p.req.Topic = info.BundleID + pt.Suffix
	}
	p.auth, p.cert = "certificate", &cert
	p.dry.CertFile, p.dry.Cert = o.cert, &info
	if p.mock != nil {
		p.mock.clientCAs = x509.NewCertPool()
		for _, der := range cert.Certificate {
			if c, err := x509.ParseCertificate(der); err == nil {
				p.mock.clientCAs.AddCert(c)
			}
		}
	}
	return nil
}

// certPassword reads the .p12 password from a file or the environment,
// never from a flag value (it would show in ps and shell history).
func certPassword(o pushOptions) (string, error) {
	switch {
	case o.certPassFile != "" && o.certPassEnv != "":
		return "", pushUsage("--cert-password-file", errors.New("give the password one way: a file or --cert-password-env"))
	case o.certPassFile != "":
		b, err := os.ReadFile(o.certPassFile)
		if err != nil {
			return "", pushUsage("--cert-password-file", err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	case o.certPassEnv != "":
		v, ok := os.LookupEnv(o.certPassEnv)
		if !ok {
			return "", pushUsage("--cert-password-env", fmt.Errorf("%s is not set", o.certPassEnv))
		}
		return v, nil
	}
	return "", nil
}

// parseExpiration reads --expiration: UNIX seconds, 0, or a duration from now.
func parseExpiration(v string, now time.Time) (string, error) {
	if v == "" {
		return "", nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return "", fmt.Errorf("%q: want UNIX seconds, 0, or a duration such as 30s", v)
		}
		if n > 1e11 {
			return "", fmt.Errorf("%q looks like milliseconds: apns-expiration is UNIX seconds", v)
		}
		return v, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return "", fmt.Errorf("%q: want UNIX seconds, 0, or a positive duration such as 30s", v)
	}
	return strconv.FormatInt(now.Add(d).Unix(), 10), nil
}

// embeddedMock is --apns mock: callscope's mock APNs in this process, told
// the topic and the key or certificate the push uses, so it needs none. An
// accepted push goes to the mock's stand-in iPhone, which records what iOS
// would do with it (whether the extension runs); push prints that.
type embeddedMock struct {
	topic     string
	key       apnsmock.ProviderKey
	clientCAs *x509.CertPool
	device    chan flow.Event // the stand-in's events
	dropped   atomic.Int64    // device events the full channel refused
}

func (m *embeddedMock) start() (*apnsmock.Server, error) {
	m.device = make(chan flow.Event, 16)
	sink := flow.SinkFunc(func(e flow.Event) {
		if e.Stage == flow.StageAPNs {
			return
		}
		select {
		case m.device <- e:
		default:
			m.dropped.Add(1)
		}
	})
	cfg := apnsmock.Config{Addr: "127.0.0.1:0", Topics: []string{m.topic}, AnyDevice: true, ClientCAs: m.clientCAs,
		NewDevice: func(token string) apnsmock.Link { return &apnsmock.SimDevice{Token: token, Sink: sink} }}
	if m.key.Public != nil {
		cfg.Keys = []apnsmock.ProviderKey{m.key}
	}
	return apnsmock.New(cfg)
}

// deviceEvent waits for the stand-in's first event for an accepted push.
// The mock delivers right after answering, so the deadline is only a guard.
func (m *embeddedMock) deviceEvent(apnsID string) (flow.Event, bool) {
	deadline := time.NewTimer(5 * time.Second)
	defer deadline.Stop()
	for {
		select {
		case e := <-m.device:
			if e.ApnsID == apnsID {
				return e, true
			}
		case <-deadline.C:
			return flow.Event{}, false
		}
	}
}
