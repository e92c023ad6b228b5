package preflight

import (
	"errors"
	"fmt"
	"time"

	"github.com/smallstep/pkcs7"
	"howett.net/plist"
)

// Profile holds the keys of a provisioning profile (embedded.mobileprovision)
// the checks read.
type Profile struct {
	Name           string    `plist:"Name"`
	TeamIdentifier []string  `plist:"TeamIdentifier"`
	ExpirationDate time.Time `plist:"ExpirationDate"`
	// Entitlements are what the profile allows the signed binary to claim.
	Entitlements map[string]any `plist:"Entitlements"`
}

// ParseProfile reads an embedded.mobileprovision: CMS signed data whose
// content is an XML property list. The signature is not checked against
// Apple's certificates: iOS does that at install, and preflight asks what
// the profile grants, not whether it is genuine.
func ParseProfile(data []byte) (*Profile, error) {
	p7, err := pkcs7.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("not CMS signed data: %v", err)
	}
	if len(p7.Content) == 0 {
		return nil, errors.New("CMS signed data with no content: not a provisioning profile")
	}
	var p Profile
	if _, err := plist.Unmarshal(p7.Content, &p); err != nil {
		return nil, fmt.Errorf("the signed content is not a readable property list: %v", err)
	}
	return &p, nil
}

// String is a string entitlement; ok is false when it is absent or not a
// string.
func (p *Profile) String(key string) (v string, ok bool) {
	v, ok = p.Entitlements[key].(string)
	return v, ok
}

// Bool is a boolean entitlement; present tells an absent key from false.
func (p *Profile) Bool(key string) (v, present bool) {
	raw, present := p.Entitlements[key]
	v, _ = raw.(bool)
	return v, present
}

// Strings is an array-of-strings entitlement; other elements are skipped.
func (p *Profile) Strings(key string) []string {
	raw, _ := p.Entitlements[key].([]any)
	var out []string
	for _, e := range raw {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
