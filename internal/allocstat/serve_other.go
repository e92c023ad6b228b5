//go:build !unix

package allocstat

import (
	"errors"
	"io"
	"os"
)

// Serve does nothing where there is no SIGUSR1.
func Serve(io.Writer) {}

// Ask fails where there is no SIGUSR1.
func Ask(*os.Process) error { return errors.New("no SIGUSR1 on this system") }
