package keyring

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// readKeyFile reads a device or signer file and its mode, for the private
// key check.
func readKeyFile(path string) ([]byte, fs.FileMode, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, 0, pathErr(path, err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, pathErr(path, err)
	}
	return b, fi.Mode().Perm(), nil
}

// privateReadable refuses a file holding a private key that group or
// others can read: key files are 0600.
func privateReadable(path string, mode fs.FileMode) error {
	return fmt.Errorf("%s holds a private key and is readable by group or others (mode %04o): chmod 600 %s", path, mode, path)
}

// loadAll loads every .json file in dir (none when dir does not exist),
// sorted by name.
func loadAll[T any](dir string, load func(path string) (*T, error), name func(*T) string) ([]*T, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, pathErr(dir, err)
	}
	var out []*T
	for _, e := range ents {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		v, err := load(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return name(out[i]) < name(out[j]) })
	return out, nil
}
