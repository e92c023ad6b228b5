package flow

import (
	"encoding/base64"
	"fmt"
	"sync"
	"testing"
)

// TestRedactAuthorizationMemo: remembered answers are the answers: for a
// stream of values that repeat, come back after being pushed out of the
// memo, and are asked from many goroutines at once, RedactAuthorization
// says what the reduction itself says.
func TestRedactAuthorizationMemo(t *testing.T) {
	b64 := base64.RawURLEncoding.EncodeToString
	var values []string
	for i := range 7 {
		head, claims := b64(fmt.Appendf(nil, `{"alg":"ES256","kid":"K%d"}`, i)), b64([]byte(`{"iss":"T","iat":1}`))
		jwt := head + "." + claims + ".c2lnbmF0dXJl"
		values = append(values, "bearer "+jwt, "bearer "+head+"."+claims+"."+SignatureRedacted, "Bearer  "+jwt+" ", "basic "+jwt)
	}
	values = append(values, "", "bearer", "bearer a.b", "bearer x.y.z", "bearer eyJ.eyJ.sig")
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				v := values[(i*(g+1))%len(values)]
				if got, want := RedactAuthorization(v), redactAuthorization(v); got != want {
					t.Errorf("RedactAuthorization(%q) = %q, want %q", v, got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}
