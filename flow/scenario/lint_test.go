package scenario

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestSendShowsLint: send --scenario shows the profile's precondition lint as
// warnings with the catalogue id, in the text header (the lines plain send
// prints) and in --json under "warnings" (never null), as plain send does.
func TestSendShowsLint(t *testing.T) {
	lib, err := NewLibrary()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		scenario string
		want     []string // "ID field"
	}{
		{"nse-not-packaged", []string{"F-04 nse_installed"}},
		{"alerts-disabled", []string{"F-03 alerts_enabled"}},
		{"audio-call", nil},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			s, err := lib.Get(tt.scenario)
			if err != nil {
				t.Fatal(err)
			}
			var text bytes.Buffer
			if _, err := SendOne(context.Background(), s, false, &text); err != nil {
				t.Fatal(err)
			}
			var warned []string
			for _, l := range strings.Split(text.String(), "\n") {
				if w, ok := strings.CutPrefix(l, "warning: "); ok {
					warned = append(warned, w)
				}
			}
			if len(warned) != len(tt.want) {
				t.Fatalf("text warnings %q, want %q\n%s", warned, tt.want, text.String())
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(warned[i], w+" (") {
					t.Errorf("text warning %q, want %q (…", warned[i], w)
				}
			}

			var js bytes.Buffer
			if _, err := SendOne(context.Background(), s, true, &js); err != nil {
				t.Fatal(err)
			}
			var got struct {
				Warnings *[]struct{ ID, Device, Field, Detail string } `json:"warnings"`
			}
			if err := json.Unmarshal(js.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if got.Warnings == nil {
				t.Fatalf("--json has no \"warnings\" array:\n%s", js.String())
			}
			if len(*got.Warnings) != len(tt.want) {
				t.Fatalf("--json warnings %+v, want %q", *got.Warnings, tt.want)
			}
			for i, w := range *got.Warnings {
				if w.ID+" "+w.Field != tt.want[i] || w.Device == "" || w.Detail == "" {
					t.Errorf("--json warning %+v, want %q with device and detail", w, tt.want[i])
				}
			}
		})
	}
}
