package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/callscope/callscope/flow/device"
)

// screenProfile is the simulated iPhone of the screen: the default profile,
// the --device-profile file over it, then each --device-set. The screen's
// own default answer policy is manual (a and d answer and decline), but a
// policy the user wrote (answer = "decline" in the file, or --device-set
// answer=ignore) is theirs and stays: a presenter can let calls decline or
// ring out by themselves.
func screenProfile(path string, sets []string) (device.Profile, error) {
	prof := device.DefaultProfile()
	prof.AnswerPolicy = device.AnswerManual
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			// As device.LoadProfile words it.
			return prof, usageError{fmt.Errorf("--device-profile: %s: %w", path, errors.Unwrap(err))}
		}
		if prof, err = device.ParseProfile(path, data); err != nil {
			return prof, usageError{fmt.Errorf("--device-profile: %w", err)}
		}
		if device.KeyLine(data, "", "answer") == 0 {
			prof.AnswerPolicy = device.AnswerManual
		}
	}
	for _, kv := range sets {
		if err := prof.Set(kv); err != nil {
			return prof, usageError{fmt.Errorf("--device-set %s: %w", kv, err)}
		}
	}
	return prof, nil
}
