package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// DefaultPath is where callscope looks when --config is not given:
// $XDG_CONFIG_HOME/callscope/config.toml, else ~/.config/callscope/config.toml
// (the XDG base directory rule, on every system: a terminal tool's users
// expect it there on macOS too).
func DefaultPath() (string, error) {
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "callscope", "config.toml"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no config path: %w (give --config FILE)", err)
	}
	return filepath.Join(home, ".config", "callscope", "config.toml"), nil
}

// ErrExists is config init's refusal to overwrite.
var ErrExists = errors.New("exists (add --force to overwrite it)")

// WriteExample writes Example to path, mode 0600, in its directory made
// 0700 if need be. It never overwrites a file unless force, and it never
// leaves a half-written file: the text goes to a temporary file renamed
// into place.
func WriteExample(path string, force bool) error {
	if fi, err := os.Lstat(path); err == nil {
		if fi.IsDir() {
			return fmt.Errorf("%s: is a directory", path)
		}
		if !force {
			return fmt.Errorf("%s: %w", path, ErrExists)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %v", path, unwrapPath(err))
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("%s: %v", dir, unwrapPath(err))
	}
	tmp, err := os.CreateTemp(dir, ".config-*.toml")
	if err != nil {
		return fmt.Errorf("%s: %v", dir, unwrapPath(err))
	}
	defer os.Remove(tmp.Name()) // after a successful rename, a no-op
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.WriteString(Example); err != nil {
		tmp.Close()
		return fmt.Errorf("%s: %v", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	if !force {
		// Link fails if path appeared meanwhile: never overwrite it.
		if err := os.Link(tmp.Name(), path); err != nil {
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("%s: %w", path, ErrExists)
			}
			return fmt.Errorf("%s: %v", path, unwrapPath(err))
		}
		return nil
	}
	return os.Rename(tmp.Name(), path)
}
