package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/device"
	"github.com/callscope/callscope/internal/tomlfile"
)

// File is a user's scenario file: one or more [[scenario]] tables with the
// fields of Scenario. Any key may be left out: the defaults apply (see
// fileDefaults; profile keys keep the default profile's values).
type File struct {
	Scenarios []Scenario `toml:"scenario"`
}

// LoadFile reads a scenario file. Errors name the file, line and field;
// unknown keys are errors.
func LoadFile(path string) ([]Scenario, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--scenario-file %s: %w", path, err)
	}
	// Decode once to learn how many scenarios there are, then again into
	// scenarios pre-filled with defaults so left-out keys keep them.
	// Extra devices start from the default profile too.
	var probe struct {
		Scenarios []struct {
			Extra []map[string]any `toml:"extra_device"`
		} `toml:"scenario"`
	}
	if _, err := toml.Decode(string(b), &probe); err != nil {
		return nil, tomlfile.Decode(path, b, &File{})
	}
	f := File{Scenarios: make([]Scenario, len(probe.Scenarios))}
	for i := range f.Scenarios {
		f.Scenarios[i] = fileDefaults(path, i)
		for j := range probe.Scenarios[i].Extra {
			// Devices are told apart by name: each extra one gets its own.
			extra := device.DefaultProfile()
			extra.Name = fmt.Sprintf("device %d", j+2)
			f.Scenarios[i].ExtraDevices = append(f.Scenarios[i].ExtraDevices, extra)
		}
	}
	if err := tomlfile.Decode(path, b, &f); err != nil {
		return nil, err
	}
	if len(f.Scenarios) == 0 {
		return nil, fmt.Errorf("%s: no [[scenario]] tables", path)
	}
	for i, s := range f.Scenarios {
		if err := s.Validate(); err != nil {
			where := path
			var fe *device.FieldError
			if errors.As(err, &fe) {
				if line := fieldLine(b, i, fe.Field); line > 0 {
					where = fmt.Sprintf("%s:%d", path, line)
				}
			}
			return nil, fmt.Errorf("%s: scenario %d (%s): %w", where, i+1, s.Name, err)
		}
	}
	return f.Scenarios, nil
}

// fileDefaults is the nth scenario of a file before its keys are read: any
// key may be left out. It is named after the file, runs a call on the
// default iPhone, and expects a clean run unless it says otherwise.
func fileDefaults(path string, nth int) Scenario {
	stem := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	stem = strings.Trim(nonName.ReplaceAllString(strings.ToLower(stem), "-"), "-")
	if stem == "" {
		stem = "scenario"
	}
	return Scenario{Name: fmt.Sprintf("%s-%d", stem, nth+1), Description: fmt.Sprintf("scenario %d of %s", nth+1, filepath.Base(path)),
		Source: filepath.Base(path), Injects: "none", Kind: flow.KindCall, Profile: device.DefaultProfile()}
}

var nonName = regexp.MustCompile(`[^a-z0-9]+`)

// fieldLine finds the line of a Validate field path ("profile.ios") in the
// nth [[scenario]] table of data, or 0.
func fieldLine(data []byte, nth int, field string) int {
	lines := bytes.Split(data, []byte("\n"))
	start, end := -1, len(lines)
	for i, l := range lines {
		if strings.TrimSpace(string(l)) != "[[scenario]]" {
			continue
		}
		if nth--; nth == -1 {
			start = i
		} else if start >= 0 {
			end = i
			break
		}
	}
	if start < 0 {
		return 0
	}
	table, key := "scenario", field
	if i := strings.LastIndex(field, "."); i >= 0 {
		table, key = "scenario."+field[:i], field[i+1:]
	}
	block := bytes.Join(lines[start:end], []byte("\n"))
	if n := device.KeyLine(block, table, key); n > 0 {
		return start + n
	}
	return 0
}
