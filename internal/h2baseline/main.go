// Command h2baseline is the yardstick the mock's HTTP/2 is held to (package
// h2yard): Go's own net/http HTTP/2 server over TLS doing nothing. The
// h2spec comparison and the idle-connection memory test run the same client
// against it and against `callscope mock-apns` (h2spec_test.go,
// h2mem_test.go).
//
// It prints "listening on https://ADDR" once it accepts connections and
// serves until killed.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/callscope/callscope/internal/h2yard"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	flag.Parse()
	if err := h2yard.Serve(*listen, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "h2baseline:", err)
		os.Exit(1)
	}
}
