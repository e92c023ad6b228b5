package main

import (
	"github.com/spf13/cobra"

	"github.com/callscope/callscope/internal/h2yard"
)

// benchBaselineCommand is `callscope bench-baseline`, hidden: the do-nothing
// Go HTTP/2 TLS server `bench apns` holds the mock to, started as a separate
// process from the same binary as the mock, so both pay for the same
// runtime, TLS stack and process boundary.
func benchBaselineCommand() *cobra.Command {
	var listen string
	cmd := &cobra.Command{
		Use:    "bench-baseline",
		Short:  "Serve the do-nothing HTTP/2 TLS baseline of bench apns",
		Hidden: true,
		Args:   usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return h2yard.Serve(listen, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:0", "address to listen on")
	return cmd
}
