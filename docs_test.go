package main

import (
	"bufio"
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// Users get the repository, not the spec folder it was built from: help
// texts, messages, the README and docs/ must cite docs/ and Apple, never
// the spec's files or sections.
var specCitation = regexp.MustCompile(`(?:^|[^\w-])(?:apns|crypto|device)\.md|\.\./shared`)

// bareSection is a section number with no document named ("the §3.5
// checks"): a spec section to a reader. RFC sections name their RFC, and
// docs/envelope.md numbers its own sections.
var bareSection = regexp.MustCompile(`§\s?\d`)
var rfcSection = regexp.MustCompile(`RFC \d+,? §\s?\d`)

func citesBareSection(file, text string) bool {
	if file == "docs/envelope.md" {
		return false
	}
	return len(bareSection.FindAllString(text, -1)) > len(rfcSection.FindAllString(text, -1))
}

// TestNoSpecCitations fails when a non-test Go file's string literal, the
// README or a page of docs/ cites the spec folder users never get.
func TestNoSpecCitations(t *testing.T) {
	for _, f := range goFiles(t) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		for _, lit := range stringLiterals(t, f) {
			if m := specCitation.FindString(lit.value); m != "" {
				t.Errorf("%s:%d: a string cites the spec (%q): cite docs/ instead", f, lit.line, strings.TrimSpace(m))
			}
			if citesBareSection(f, lit.value) {
				t.Errorf("%s:%d: a string cites a section (§) of no named document: cite docs/ instead", f, lit.line)
			}
		}
	}
	for _, f := range markdownFiles(t) {
		for i, line := range markdownLines(t, f) {
			if line == "" {
				continue
			}
			if m := specCitation.FindString(line); m != "" {
				t.Errorf("%s:%d: cites the spec (%q): cite docs/ instead", f, i+1, strings.TrimSpace(m))
			}
			if citesBareSection(f, line) {
				t.Errorf("%s:%d: cites a section (§) of no named document: cite docs/ instead", f, i+1)
			}
		}
	}
}

// TestDocAnchorsExist fails when code or docs cite a page of docs/ that does
// not exist, or an #anchor its headings do not make (links between pages
// and within one included).
func TestDocAnchorsExist(t *testing.T) {
	anchors := map[string]map[string]bool{} // page → its anchors
	anchorsOf := func(page string) (map[string]bool, bool) {
		if a, ok := anchors[page]; ok {
			return a, a != nil
		}
		b, err := os.ReadFile(filepath.FromSlash(page))
		if err != nil {
			anchors[page] = nil
			return nil, false
		}
		anchors[page] = headingAnchors(string(b))
		return anchors[page], true
	}
	check := func(where, page, anchor string) {
		a, ok := anchorsOf(page)
		switch {
		case !ok:
			t.Errorf("%s: cites %s, which does not exist", where, page)
		case anchor != "" && !a[anchor]:
			t.Errorf("%s: cites %s#%s, but %s has no heading with that anchor", where, page, anchor, page)
		}
	}
	repoCite := regexp.MustCompile(`\bdocs/[\w.-]+\.md(?:#[\w-]+)?`)
	citesIn := func(where, text string) {
		for _, c := range repoCite.FindAllString(text, -1) {
			page, anchor, _ := strings.Cut(c, "#")
			check(where, page, anchor)
		}
	}
	for _, f := range goFiles(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			citesIn(f+":"+strconv.Itoa(i+1), line)
		}
	}
	mdLink := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	for _, f := range markdownFiles(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			where := f + ":" + strconv.Itoa(i+1)
			citesIn(where, line)
			for _, m := range mdLink.FindAllStringSubmatch(line, -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				file, anchor, _ := strings.Cut(target, "#")
				page := f
				if file != "" {
					page = path.Join(path.Dir(f), file)
				}
				if !strings.HasSuffix(page, ".md") {
					if _, err := os.Stat(filepath.FromSlash(page)); err != nil {
						t.Errorf("%s: links %s, which does not exist", where, target)
					}
					continue
				}
				check(where, page, anchor)
			}
		}
	}
}

// TestHeadingAnchor pins the anchor rule to GitHub's: lower case, letters,
// digits, '-' and '_' kept, spaces to '-', the rest dropped; repeats get -1, -2.
func TestHeadingAnchor(t *testing.T) {
	doc := "# Title\n## Check order\n### S2: the NSE launch gate\n## Diagnosing E_AUTH\n" +
		"## 3. AAD and info\n## F-01\n```\n## not a heading\n```\n## Check order\n<a id=\"custom\"></a>\n"
	got := headingAnchors(doc)
	for _, want := range []string{"title", "check-order", "s2-the-nse-launch-gate", "diagnosing-e_auth",
		"3-aad-and-info", "f-01", "check-order-1", "custom"} {
		if !got[want] {
			t.Errorf("anchor %q missing from %v", want, got)
		}
	}
	if got["not-a-heading"] {
		t.Error("a line in a code block was taken for a heading")
	}
}

func headingAnchors(doc string) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	explicit := regexp.MustCompile(`<a (?:id|name)="([^"]+)"`)
	fence := false
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fence = !fence
			continue
		}
		if fence {
			continue
		}
		for _, m := range explicit.FindAllStringSubmatch(line, -1) {
			out[m[1]] = true
		}
		text, ok := headingText(line)
		if !ok {
			continue
		}
		slug := slugify(text)
		if n := seen[slug]; n > 0 {
			out[slug+"-"+strconv.Itoa(n)] = true
		} else {
			out[slug] = true
		}
		seen[slug]++
	}
	return out
}

func headingText(line string) (string, bool) {
	n := 0
	for n < len(line) && line[n] == '#' {
		n++
	}
	if n == 0 || n > 6 || n >= len(line) || line[n] != ' ' {
		return "", false
	}
	return strings.TrimSpace(line[n:]), true
}

func slugify(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	return b.String()
}

type literal struct {
	line  int
	value string
}

func stringLiterals(t *testing.T, file string) []literal {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	var out []literal
	ast.Inspect(f, func(n ast.Node) bool {
		if bl, ok := n.(*ast.BasicLit); ok && bl.Kind == token.STRING {
			v, err := strconv.Unquote(bl.Value)
			if err != nil {
				v = bl.Value
			}
			out = append(out, literal{fset.Position(bl.Pos()).Line, v})
		}
		return true
	})
	return out
}

// goFiles lists the module's Go files, slash-separated, relative to its root.
func goFiles(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".go") {
			out = append(out, filepath.ToSlash(p))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// markdownFiles are what users read: the README and docs/.
func markdownFiles(t *testing.T) []string {
	t.Helper()
	out := []string{"README.md"}
	docs, err := filepath.Glob("docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		out = append(out, filepath.ToSlash(d))
	}
	return out
}

// markdownLines returns a file's lines.
func markdownLines(t *testing.T, file string) []string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
