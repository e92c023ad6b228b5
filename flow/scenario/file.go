package scenario

import (
	"fmt"
	"os"

	"github.com/BurntSushi/toml"

	"github.com/callscope/callscope/flow/device"
	"github.com/callscope/callscope/internal/tomlfile"
)

// File is a user's scenario file: one or more [[scenario]] tables with the
// fields of Scenario. Profile keys left out keep the default profile's values.
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
	var probe struct {
		Scenarios []toml.Primitive `toml:"scenario"`
	}
	if _, err := toml.Decode(string(b), &probe); err != nil {
		return nil, tomlfile.Decode(path, b, &File{})
	}
	f := File{Scenarios: make([]Scenario, len(probe.Scenarios))}
	for i := range f.Scenarios {
		f.Scenarios[i] = Scenario{Profile: device.DefaultProfile(), Kind: "call"}
	}
	if err := tomlfile.Decode(path, b, &f); err != nil {
		return nil, err
	}
	if len(f.Scenarios) == 0 {
		return nil, fmt.Errorf("%s: no [[scenario]] tables", path)
	}
	for i, s := range f.Scenarios {
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("%s: scenario %d: %w", path, i+1, err)
		}
	}
	return f.Scenarios, nil
}
