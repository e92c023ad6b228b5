package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/callscope/callscope/config"
)

func configCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Check or write the config file of profiles that --profile reads (endpoint, topic, tokens, key paths)",
		Long: "A config file holds named profiles of what a push needs: the APNs endpoint and environment, the topic,\n" +
			"device tokens by name, and the paths of keys and certificates; a certificate's password only as\n" +
			"env:NAME or file:PATH. push --profile NAME takes every flag not given from the profile. The file is\n" +
			"--config FILE, else $XDG_CONFIG_HOME/callscope/config.toml, else ~/.config/callscope/config.toml.\n" +
			"Every field, and which wins: docs/config.md.",
		Args: usageArgs(cobra.NoArgs),
		// Runnable, so that an unknown subcommand is a usage error (exit 2).
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(configCheck(), configInit())
	return cmd
}

func configCheck() *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check the config file: every problem with its file, line and field",
		Long: "check reads the config file and every profile in it, and names the file, line and field of each\n" +
			"problem: a syntax error, an unknown key, a value of the wrong type, a key file that is missing or is\n" +
			"not a .p8 APNs accepts, a key or team id not 10 characters, a device token not hex, a password\n" +
			"written into the file, values that do not go together.\n" +
			"Exit status: 0 when there is no problem (warnings allowed), 2 when there is one or the file is missing.",
		Example: "  callscope config check\n  callscope config check --config ./callscope.toml",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, err := configPath(file)
			if err != nil {
				return err
			}
			f, err := config.Load(path)
			if errors.Is(err, config.ErrNotFound) && file == "" {
				return usageError{fmt.Errorf("%s: no config file there (callscope config init writes one; or give --config FILE)", path)}
			}
			if err != nil {
				return usageError{fmt.Errorf("--config %w", err)}
			}
			return writeCheck(cmd.OutOrStdout(), f, f.Check())
		},
	}
	cmd.Flags().StringVar(&file, "config", "", "the config file (default "+defaultConfigHelp+")")
	return cmd
}

// writeCheck prints one line per problem, then the verdict.
func writeCheck(w io.Writer, f *config.File, ps []config.Problem) error {
	n := 0
	for _, p := range ps {
		if _, err := fmt.Fprintln(w, p); err != nil {
			return err
		}
		if !p.Warning {
			n++
		}
	}
	if n > 0 {
		return usageError{fmt.Errorf("config check: %s: %d %s", f.Path, n, plural(n, "problem", "problems"))}
	}
	def := "no default_profile"
	if f.DefaultProfile != "" {
		def = "default " + f.DefaultProfile
	}
	names := f.Names()
	_, err := fmt.Fprintf(w, "%s: ok: %d %s (%s), %s\n", f.Path, len(names), plural(len(names), "profile", "profiles"), strings.Join(names, ", "), def)
	return err
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func configInit() *cobra.Command {
	var (
		file  string
		force bool
	)
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write a commented example config file (0600); never over an existing one without --force",
		Long: "init writes an example config file with one profile for callscope's mock APNs, which config check\n" +
			"passes as written, and commented profiles for Apple's sandbox with a .p8 key and production with a\n" +
			"certificate to fill in. The file is made 0600 in a 0700 folder, and an existing file is left alone\n" +
			"unless --force.",
		Example: "  callscope config init\n  callscope config init --config ./callscope.toml && callscope config check --config ./callscope.toml",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, err := configPath(file)
			if err != nil {
				return err
			}
			if err := config.WriteExample(path, force); err != nil {
				return usageError{fmt.Errorf("config init: %w", err)}
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (mode 0600): fill in a profile, then run callscope config check\n", path)
			return err
		},
	}
	cmd.Flags().StringVar(&file, "config", "", "the file to write (default "+defaultConfigHelp+")")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite an existing file")
	return cmd
}

const defaultConfigHelp = "$XDG_CONFIG_HOME/callscope/config.toml, else ~/.config/callscope/config.toml"

// configPath is --config, or the default path.
func configPath(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	p, err := config.DefaultPath()
	if err != nil {
		return "", usageError{err}
	}
	return p, nil
}
