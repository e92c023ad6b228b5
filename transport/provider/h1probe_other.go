//go:build !unix

package provider

// open: without a non-blocking peek, a connection idle past h1ProbeAfter
// is not trusted; the push dials a new one.
func (c *h1conn) open() bool { return false }
