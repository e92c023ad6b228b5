package main

import (
	"encoding/xml"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestREADMEPicture: the README opens with a picture of the screen, made
// from a real run (internal/screenshot), of a failed call with its
// diagnosis: the failure mark, the code, Apple's name and the hint.
func TestREADMEPicture(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	head := strings.Join(strings.SplitN(string(readme), "\n", 12)[:11], "\n")
	m := regexp.MustCompile(`!\[[^\]]+\]\((docs/screenshot[^)]*\.svg)\)`).FindStringSubmatch(head)
	if m == nil {
		t.Fatalf("no picture of the screen at the top of README.md:\n%s", head)
	}
	svg, err := os.ReadFile(m[1])
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(svg, new(struct{})); err != nil {
		t.Fatalf("%s: not XML: %v", m[1], err)
	}
	for _, want := range []string{"✗", "REPORT_FAILED", "missingNotificationFilteri", "hint: ", "failed@extension", `fill="#`} {
		if !strings.Contains(string(svg), want) {
			t.Errorf("%s lacks %q", m[1], want)
		}
	}
}
