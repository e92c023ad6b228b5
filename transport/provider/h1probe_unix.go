//go:build unix

package provider

import (
	"syscall"
	"time"
)

// open reports whether an idle connection may carry another request: the
// server has neither closed it nor sent anything unasked. It peeks at the
// socket without blocking: EAGAIN is the only good answer.
func (c *h1conn) open() bool {
	if c.br.Buffered() > 0 {
		return false
	}
	// The last push's deadline may have passed while the connection sat
	// idle: the peek would fail on it, whatever the socket's state. The
	// next round sets its own.
	if c.nc.SetReadDeadline(time.Time{}) != nil {
		return false
	}
	sc, ok := c.nc.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	alive := false
	var b [1]byte
	if err := rc.Read(func(fd uintptr) bool {
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		alive = err == syscall.EAGAIN || err == syscall.EWOULDBLOCK
		return true // never wait for readiness
	}); err != nil {
		return false
	}
	return alive
}
