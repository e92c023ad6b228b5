package receiver

import (
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/crypto/keyring"
	"github.com/callscope/callscope/crypto/scheme"
)

// TestReceiverOnlyDifferential: the E_AUTH explanations a real extension
// can reach by itself, without the sender's copy (Config.Sent is nil), and
// none of them may claim evidence from that copy.
func TestReceiverOnlyDifferential(t *testing.T) {
	rows := []struct {
		name, alg, want, tried string
		mutate                 func(t *testing.T, d device, e **envelope.Envelope, cfg *Config)
	}{
		{"kid vs key tried", scheme.Default, "the kid was changed after sealing", "other keys",
			func(t *testing.T, d device, e **envelope.Envelope, cfg *Config) {
				current, _ := keyring.Generate(scheme.Default, rand.Reader)
				d.ring.Add(current)
				(*e).KID = current.KID()
			}},
		{"key rotation: sealed for the rotated key, header names the current one", scheme.NameP256, "kid " + "", "other keys",
			func(t *testing.T, d device, e **envelope.Envelope, cfg *Config) {
				current, _ := keyring.Generate(scheme.NameP256, rand.Reader)
				d.ring.Add(current) // d.key is now rotated
				(*e).KID = current.KID()
			}},
		{"previous info label", scheme.Default, `info label differs: sealed with "VPE1"`, "info labels",
			func(t *testing.T, d device, e **envelope.Envelope, cfg *Config) {
				*e = seal(t, d.key, envelope.SealOptions{Info: []byte("VPE1")})
			}},
		{"next info label", scheme.NameP256, `sealed with "VPE1 call-request v2"`, "info labels",
			func(t *testing.T, d device, e **envelope.Envelope, cfg *Config) {
				*e = seal(t, d.key, envelope.SealOptions{Info: []byte("VPE1 call-request v2")})
				cfg.OtherInfo = [][]byte{[]byte("VPE1"), []byte("VPE1 call-request v2")}
			}},
		{"AAD field ttl edited", scheme.Default, "header field ttl was changed after sealing (it opens with ttl 45, received 120)", "header ttl",
			func(t *testing.T, d device, e **envelope.Envelope, cfg *Config) { (*e).TTL = 120 }},
		{"AAD field ts edited", scheme.Default, "the header's ts or nonce changed", "header ttl",
			func(t *testing.T, d device, e **envelope.Envelope, cfg *Config) { (*e).TS += 1000 }},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			d := newDevice(t, row.alg)
			e := seal(t, d.key, envelope.SealOptions{})
			cfg := Config{Ring: d.ring, DeviceToken: token, Now: func() time.Time { return now }}
			row.mutate(t, d, &e, &cfg)
			_, err := Open(marshal(t, e), cfg)
			var re *Error
			if !asError(err, &re) || re.Code != CodeAuth {
				t.Fatalf("err %v, want %s", err, CodeAuth)
			}
			if !strings.Contains(re.Explanation, row.want) {
				t.Fatalf("explanation %q, want %q", re.Explanation, row.want)
			}
			if re.SenderCopy != "" || strings.Contains(re.Explanation, "sender's copy") || strings.Contains(re.Explanation, "--sent") {
				t.Fatalf("explanation %q cites the sender's copy, which the receiver does not have", re.Explanation)
			}
			found := false
			for _, c := range re.Differential {
				found = found || c.Name == row.tried
			}
			if !found {
				t.Fatalf("differential %+v does not record %q", re.Differential, row.tried)
			}
			if strings.HasPrefix(row.name, "key rotation") && !strings.Contains(re.Explanation, "(rotated)") {
				t.Fatalf("explanation %q does not say the opening key is rotated", re.Explanation)
			}
		})
	}
}

// TestSenderCopyLabelled: with the sender's copy, what it adds is labelled
// as such, after the receiver's own finding.
func TestSenderCopyLabelled(t *testing.T) {
	d := newDevice(t, scheme.Default)
	e := seal(t, d.key, envelope.SealOptions{})
	sent := clone(e)
	e.TS += 1000
	_, err := Open(marshal(t, e), Config{Ring: d.ring, DeviceToken: token, Now: func() time.Time { return now }, Sent: []*envelope.Envelope{sent}})
	var re *Error
	if !asError(err, &re) || re.Code != CodeAuth {
		t.Fatalf("err %v", err)
	}
	const label = "; compared with the sender's copy: header field ts was changed after sealing"
	if !strings.Contains(re.Explanation, label) || !strings.HasPrefix(re.SenderCopy, "header field ts") {
		t.Fatalf("explanation %q, sender copy %q, want %q", re.Explanation, re.SenderCopy, label)
	}
}

// TestTTLAboveMaxRefused: a request valid for more than 120 s is refused
// even when it is genuinely sealed that way: it would ring long after the
// caller gave up and pin its replay-cache entry as long.
func TestTTLAboveMaxRefused(t *testing.T) {
	for _, ttl := range []uint32{120, 121, 3600} {
		d := newDevice(t, scheme.Default)
		e := sealRaw(t, d.key, ttl)
		_, err := Open(marshal(t, e), Config{Ring: d.ring, DeviceToken: token, Now: func() time.Time { return now }})
		var re *Error
		switch {
		case ttl <= envelope.MaxTTL && err != nil:
			t.Fatalf("ttl %d: %v", ttl, err)
		case ttl > envelope.MaxTTL && (!asError(err, &re) || re.Code != CodeParse || !strings.Contains(re.Detail, "above the 120 s")):
			t.Fatalf("ttl %d: err %v, want %s naming the 120 s limit", ttl, err, CodeParse)
		}
	}
}

// sealRaw seals like a sender that ignores the 120 s limit: the header and
// AAD built by hand, so the envelope is authentic.
func sealRaw(t *testing.T, k *keyring.Key, ttl uint32) *envelope.Envelope {
	t.Helper()
	nonce := make([]byte, envelope.NonceSize)
	rand.Read(nonce)
	e := &envelope.Envelope{V: 1, Alg: k.Scheme().Name(), KID: k.KID(), Rcpt: envelope.Rcpt(token), TS: now.UnixMilli(), TTL: ttl, Nonce: nonce}
	aad, err := e.AAD()
	if err != nil {
		t.Fatal(err)
	}
	pt := invite()
	pt.SentMS = e.TS
	pt.Nonce = b64(nonce)
	body, _ := json.Marshal(pt)
	e.Enc, e.CT, err = k.Scheme().Seal(rand.Reader, k.Public(), envelope.Info, aad, body)
	if err != nil {
		t.Fatal(err)
	}
	return e
}
