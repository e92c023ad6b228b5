// Package preflight reads a built iOS app (an .app folder, an .xcarchive or
// an .ipa) and checks it for what the end-to-end-encrypted call path needs
// before any push is sent: the S0 preconditions of docs/device-rules.md,
// explained check by check in docs/preflight.md. It returns findings as
// data; printing them is the caller's job.
package preflight

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// maxFile caps what is read of one Info.plist or profile: real ones are a
// few kilobytes, and an .ipa is untrusted input that could inflate a
// single entry to gigabytes.
const maxFile = 4 << 20

// Kind is the form the app came in.
type Kind string

// The three forms Xcode produces.
const (
	KindApp     Kind = "app"
	KindArchive Kind = "xcarchive"
	KindIPA     Kind = "ipa"
)

// Bundle is what preflight reads of a built app.
type Bundle struct {
	// Path is what Open was given.
	Path string
	Kind Kind
	// AppPath is the .app inside what was given: "Payload/X.app" in an
	// .ipa, "Products/Applications/X.app" in an .xcarchive, "X.app" for
	// the folder itself.
	AppPath string
	App     Component
	// PlugIns holds every PlugIns/*.appex, notification service or not,
	// sorted by folder name.
	PlugIns []Component
	// Misplaced are folders in PlugIns/ built as an .app, not an .appex:
	// iOS runs no extension from them.
	Misplaced []string
}

// Component is the app or one of its extensions.
type Component struct {
	// Dir is the folder relative to the .app: "" for the app itself,
	// "PlugIns/NSE.appex" for an extension. Findings name files by it.
	Dir  string
	Info Info
	// Profile is the parsed embedded.mobileprovision; nil when the
	// component has none (a Simulator build, or an unsigned one).
	Profile *Profile
	// Signed holds the entitlements the binary's code signature claims;
	// nil when they could not be read, and SignedNote says why.
	Signed     map[string]any
	SignedNote string
}

// File names a file of the component as findings show it.
func (c Component) File(name string) string { return path.Join(c.Dir, name) }

// Open reads the app at p: an .app folder, an .xcarchive folder or an
// .ipa file. Every error names p and, for a file inside it, that file.
func Open(p string) (*Bundle, error) {
	st, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such file or folder", p)
		}
		return nil, err
	}
	ext := strings.ToLower(filepath.Ext(strings.TrimRight(p, `/\`)))
	var b *Bundle
	switch {
	case st.IsDir() && ext == ".app":
		b, err = read(os.DirFS(p), ".", KindApp)
		if b != nil {
			b.AppPath = filepath.Base(filepath.Clean(p))
		}
	case st.IsDir() && ext == ".xcarchive":
		b, err = openIn(os.DirFS(p), "Products/Applications", KindArchive)
	case !st.IsDir() && ext == ".ipa":
		var zr *zip.ReadCloser
		if zr, err = zip.OpenReader(p); err != nil {
			return nil, fmt.Errorf("%s: not a readable .ipa (zip): %v", p, err)
		}
		defer zr.Close()
		b, err = openIn(&zr.Reader, "Payload", KindIPA)
	default:
		return nil, fmt.Errorf("%s: not an .app folder, an .xcarchive folder or an .ipa file", p)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	b.Path = p
	return b, nil
}

// OpenIPA reads an .ipa from r.
func OpenIPA(r io.ReaderAt, size int64) (*Bundle, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("not a readable .ipa (zip): %v", err)
	}
	return openIn(zr, "Payload", KindIPA)
}

// openIn reads the one .app in folder dir of fsys.
func openIn(fsys fs.FS, dir string, kind Kind) (*Bundle, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("no %s/ folder, so not an .%s", dir, kind)
	}
	var apps []string
	for _, e := range entries {
		if e.IsDir() && strings.HasSuffix(e.Name(), ".app") {
			apps = append(apps, e.Name())
		}
	}
	switch len(apps) {
	case 0:
		return nil, fmt.Errorf("%s/ holds no .app", dir)
	case 1:
	default:
		return nil, fmt.Errorf("%s/ holds %d apps (%s); preflight checks one", dir, len(apps), strings.Join(apps, ", "))
	}
	appPath := path.Join(dir, apps[0])
	b, err := read(fsys, appPath, kind)
	if b != nil {
		b.AppPath = appPath
	}
	return b, err
}

// read reads the .app at root of fsys and its PlugIns.
func read(fsys fs.FS, root string, kind Kind) (*Bundle, error) {
	app, err := readComponent(fsys, root, "")
	if err != nil {
		return nil, err
	}
	b := &Bundle{Kind: kind, App: app}
	entries, err := fs.ReadDir(fsys, path.Join(root, "PlugIns"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %v", path.Join(root, "PlugIns"), err)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		if e.IsDir() && strings.HasSuffix(e.Name(), ".app") {
			b.Misplaced = append(b.Misplaced, path.Join("PlugIns", e.Name()))
		}
		if !e.IsDir() || !strings.HasSuffix(e.Name(), ".appex") {
			continue
		}
		c, err := readComponent(fsys, root, path.Join("PlugIns", e.Name()))
		if err != nil {
			return nil, err
		}
		b.PlugIns = append(b.PlugIns, c)
	}
	return b, nil
}

// readComponent reads dir's Info.plist (required) and embedded.mobileprovision
// (optional: its absence is a finding, not an error).
func readComponent(fsys fs.FS, root, dir string) (Component, error) {
	c := Component{Dir: dir}
	name := path.Join(root, dir, "Info.plist")
	data, err := readFile(fsys, name)
	if err != nil {
		return c, err
	}
	if c.Info, err = ParseInfo(data); err != nil {
		return c, fmt.Errorf("%s: %v", name, err)
	}
	c.Signed, c.SignedNote = readSigned(fsys, root, dir, c.Info.Executable)
	name = path.Join(root, dir, "embedded.mobileprovision")
	data, err = readFile(fsys, name)
	var missing missingError
	switch {
	case errors.As(err, &missing):
		return c, nil
	case err != nil:
		return c, err
	}
	if c.Profile, err = ParseProfile(data); err != nil {
		return c, fmt.Errorf("%s: %v", name, err)
	}
	return c, nil
}

func readFile(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, missingError{name}
		}
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if len(data) > maxFile {
		return nil, fmt.Errorf("%s: larger than %d MiB; not an Info.plist or a profile", name, maxFile>>20)
	}
	return data, nil
}

type missingError struct{ name string }

func (e missingError) Error() string { return e.name + ": missing" }

// readSigned reads the signed entitlements of the component's binary. What
// it cannot read is a note for the signed-entitlements check, not an
// error: the profile checks still stand without it.
func readSigned(fsys fs.FS, root, dir, exe string) (map[string]any, string) {
	if exe == "" {
		return nil, "Info.plist has no CFBundleExecutable, so the binary is unknown"
	}
	f, err := fsys.Open(path.Join(root, dir, exe))
	if err != nil {
		return nil, "the binary " + exe + " is missing"
	}
	defer f.Close()
	ents, err := SignedEntitlements(f)
	if err != nil {
		return nil, err.Error()
	}
	return ents, ""
}
