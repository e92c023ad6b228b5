package apnsmock

import (
	"crypto/x509"
	"errors"
	"strings"
	"time"
)

// certInfo is what a provider certificate presented in the handshake allows
// (docs/apns-rules.md#certificate-auth). bad is the 403 reason for every request when it is unusable.
type certInfo struct {
	bad, why string
	bundle   string
}

// connAuth decides a new connection's auth mode: a client certificate selects
// certificate mode, none selects token mode.
func (s *Server) connAuth(chain []*x509.Certificate) *connAuth {
	if len(chain) == 0 {
		return newTokenAuth()
	}
	return &connAuth{cert: s.checkCert(chain)}
}

func (s *Server) checkCert(chain []*x509.Certificate) *certInfo {
	leaf := chain[0]
	roots := s.cfg.ClientCAs
	if roots == nil {
		roots = x509.NewCertPool()
		roots.AddCert(s.ca.cert)
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: s.now(),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	if err != nil {
		var inv x509.CertificateInvalidError
		if errors.As(err, &inv) && inv.Reason == x509.Expired {
			return &certInfo{bad: "BadCertificate", why: "the client certificate expired " + leaf.NotAfter.UTC().Format(time.RFC3339)}
		}
		return &certInfo{bad: "BadCertificate", why: "the client certificate is not issued by a trusted CA"}
	}
	info := &certInfo{}
	for _, n := range leaf.Subject.Names {
		if n.Type.Equal(oidUID) {
			info.bundle, _ = n.Value.(string)
		}
	}
	if info.bundle == "" {
		return &certInfo{bad: "BadCertificate", why: "the client certificate has no UID (bundle id) in its subject"}
	}
	var dev, prod bool
	for _, e := range leaf.Extensions {
		dev = dev || e.Id.Equal(oidDevelopment)
		prod = prod || e.Id.Equal(oidProduction)
	}
	if dev || prod { // a certificate with neither extension is taken as valid in both
		if s.cfg.Environment == "sandbox" && !dev || s.cfg.Environment == "production" && !prod {
			info.bad, info.why = "BadCertificateEnvironment", "the certificate is not for the "+s.cfg.Environment+" environment"
		}
	}
	return info
}

// tokenOnly are push types Apple serves only over token connections.
var tokenOnly = map[string]bool{"location": true, "liveactivity": true}

// authorizeCert checks a request on a certificate connection. The topic
// defaults to the certificate's bundle id; the certificate covers that app,
// its VoIP, complication and file-provider topics (Pushy's mock likewise).
func (s *Server) authorizeCert(ci *certInfo, rq *request) verdict {
	if ci.bad != "" {
		return rej(403, ci.bad, ci.why)
	}
	if rq.topic == "" {
		rq.topic = ci.bundle
	}
	if tokenOnly[rq.pushType] {
		return rej(400, "TopicDisallowed", "apns-push-type "+rq.pushType+" needs token authentication")
	}
	base := rq.topic
	for _, suf := range []string{".voip", ".complication", ".pushkit.fileprovider"} {
		base = strings.TrimSuffix(base, suf)
	}
	if base != ci.bundle {
		return rej(400, "BadTopic", "topic "+quoteShort(rq.topic)+" is not covered by the certificate for "+ci.bundle)
	}
	return verdict{}
}
