// Package fipstest runs a test again in a child process under a GODEBUG
// fips140 setting: the mode is fixed when a process starts, so a test of
// what the code does in FIPS 140 mode needs a process of its own.
package fipstest

import (
	"os"
	"os/exec"
	"testing"
)

const childEnv = "CALLSCOPE_FIPS140_CHILD"

// Child reports whether the caller is the child that should run the test's
// body. In the parent (active false) it runs test again with
// GODEBUG=fips140=mode, fails t with the child's output if the child
// fails, and returns false. active is whether the mode is in force in this
// process (fips140.Enabled or fips140.Enforced); a child without it fails.
func Child(t *testing.T, test, mode string, active bool) bool {
	t.Helper()
	if active {
		return true
	}
	if os.Getenv(childEnv) != "" {
		t.Fatalf("the child runs without GODEBUG=fips140=%s in force", mode)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), "GODEBUG=fips140="+mode, childEnv+"=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("under GODEBUG=fips140=%s: %v\n%s", mode, err, out)
	}
	return false
}
