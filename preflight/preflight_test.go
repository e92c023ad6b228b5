package preflight_test

import (
	"testing"
	"time"

	"github.com/callscope/callscope/preflight"
	"github.com/callscope/callscope/preflight/fixture"
)

func TestSmoke(t *testing.T) {
	now := time.Now()
	a := fixture.Good(now)
	delete(a.Ext.Profile.Entitlements(), "com.apple.developer.usernotifications.filtering")
	p, err := a.WriteIPA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b, err := preflight.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	r := preflight.Check(b, preflight.Options{Now: now})
	for _, f := range r.Findings {
		t.Logf("%+v", f)
	}
}
