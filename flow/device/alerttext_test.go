package device

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/callscope/callscope/internal/mutate"
)

// hasAlertTextDecoded is hasAlertText by encoding/json alone, as it was:
// the reference for the fast reading.
func hasAlertTextDecoded(raw json.RawMessage) bool {
	var a struct{ Title, Subtitle, Body string }
	if json.Unmarshal(raw, &a) != nil {
		return false
	}
	return a.Title != "" || a.Subtitle != "" || a.Body != ""
}

var alertSeeds = []string{
	`{"title":"New message","body":"Open to read"}`,
	`{"title":"","body":""}`,
	`{"subtitle":"x"}`,
	`{"title":"\u0000"}`,
	`{"Title":"x"}`,
	`{"title":"x","title":""}`,
	`{"title":null,"body":"b"}`,
	`{"title":1,"body":"b"}`,
	`{"loc-key":"k","loc-args":["a"],"body":""}`,
	` { "title" : "é" } `,
	`"just a string"`,
	`{}`,
	`null`,
}

// TestAlertTextAsDecoded: for valid alerts and mutations of them, the
// fast reading says what decoding said.
func TestAlertTextAsDecoded(t *testing.T) {
	const mutations = "{}[]\":,-01nulltrue \\\xffaAbTt"
	r := rand.New(rand.NewPCG(7, 8))
	for _, a := range alertSeeds {
		checkAlert(t, []byte(a))
		for range 3000 {
			m := mutate.Near(r, []byte(a), mutations)
			checkAlert(t, m)
		}
	}
}

// checkAlert compares on valid JSON only: the alert reaches hasAlertText
// out of a document json.Valid accepted.
func checkAlert(t *testing.T, b []byte) {
	t.Helper()
	if !json.Valid(b) {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%q: %v", b, r)
		}
	}()
	if got, want := hasAlertText(b), hasAlertTextDecoded(b); got != want {
		t.Fatalf("hasAlertText(%s) = %v, decoding says %v", b, got, want)
	}
}

func FuzzAlertText(f *testing.F) {
	for _, a := range alertSeeds {
		f.Add([]byte(a))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkAlert(t, b) })
}
