package scenario

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestCatalogueMatchesScenarios: every F-xx of docs/failures.md, in its
// table row and in its entry, names exactly the scenarios whose source it
// is, or says it cannot be modelled when NotModelled says why. A row that
// points users to a scenario that does not exist sends them looking for
// nothing.
func TestCatalogueMatchesScenarios(t *testing.T) {
	doc, err := os.ReadFile("../../docs/failures.md")
	if err != nil {
		t.Fatal(err)
	}
	lib, err := NewLibrary()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{}
	for _, s := range lib.All() {
		if strings.HasPrefix(s.Source, "F-") {
			want[s.Source] = append(want[s.Source], s.Name)
		}
	}
	ticks := regexp.MustCompile("`([a-z0-9-]+)`")
	named := func(text string) []string {
		var out []string
		for _, m := range ticks.FindAllStringSubmatch(text, -1) {
			if _, err := lib.Get(m[1]); err == nil {
				out = append(out, m[1])
			}
		}
		sort.Strings(out)
		return out
	}
	check := func(where, id, text string) {
		t.Helper()
		w := append([]string(nil), want[id]...)
		sort.Strings(w)
		_, notModelled := NotModelled[id]
		switch {
		case notModelled && len(w) > 0:
			t.Errorf("%s: NotModelled has %s, yet scenarios %v cite it", where, id, w)
		case notModelled:
			if !strings.Contains(text, "cannot be modelled") {
				t.Errorf("%s: %s has no scenario, and says %q instead of why it cannot be modelled", where, id, text)
			}
		case len(w) == 0:
			t.Errorf("%s: %s has no scenario and no entry in NotModelled", where, id)
		case strings.Join(named(text), " ") != strings.Join(w, " ") || strings.Contains(text, "callscope scenarios"):
			t.Errorf("%s: %s says %q, want it to name %v", where, id, text, w)
		}
	}
	row := regexp.MustCompile(`(?m)^\| \[(F-\d\d)\]\(#f-\d\d\) \|[^|]*\|[^|]*\| (.*) \|$`)
	rows := row.FindAllStringSubmatch(string(doc), -1)
	if len(rows) != 33 {
		t.Fatalf("%d F-xx rows in the table, want 33", len(rows))
	}
	for _, m := range rows {
		check("table row", m[1], m[2])
	}
	head := regexp.MustCompile(`^(F-\d\d)\n`)
	scen := regexp.MustCompile(`(?s)\* Scenarios?: (.*?)(?:\n\* |\n\n|$)`)
	n := 0
	for _, sec := range strings.Split(string(doc), "\n### ")[1:] {
		m := head.FindStringSubmatch(sec)
		if m == nil {
			continue
		}
		n++
		sec, _, _ = strings.Cut(sec, "\n## ")
		sm := scen.FindStringSubmatch(sec)
		if sm == nil {
			t.Errorf("entry %s has no Scenario line", m[1])
			continue
		}
		check("entry", m[1], sm[1])
	}
	if n != 33 {
		t.Fatalf("%d F-xx entries, want 33", n)
	}
}
