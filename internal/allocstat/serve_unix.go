//go:build unix

package allocstat

import (
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Serve answers SIGUSR1 on w when Env is set; otherwise it does nothing,
// and SIGUSR1 keeps its default action.
func Serve(w io.Writer) {
	if os.Getenv(Env) == "" {
		return
	}
	sig := make(chan os.Signal, 4)
	signal.Notify(sig, syscall.SIGUSR1)
	go answer(w, sig)
}

// Ask sends the signal Serve answers to the process pid.
func Ask(p *os.Process) error { return p.Signal(syscall.SIGUSR1) }
