package h2server

import (
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// unread says whether the kernel holds bytes from the client that nobody
// has read (SIOCINQ): closing a socket then sends a reset instead of a FIN, and the
// reset can discard what the client has not read yet (the GOAWAY).
func unread(nc net.Conn) bool {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	n := 1
	_ = rc.Control(func(fd uintptr) {
		if v, err := unix.IoctlGetInt(int(fd), unix.SIOCINQ); err == nil {
			n = v
		}
	})
	return n > 0
}
