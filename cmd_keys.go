package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/callscope/callscope/crypto/keyring"
	"github.com/callscope/callscope/crypto/scheme"
)

// keyStore is the user's device identities under $XDG_DATA_HOME/callscope.
func keyStore() (*keyring.Store, error) {
	dir, err := keyring.DefaultDir()
	if err != nil {
		return nil, err
	}
	return &keyring.Store{Dir: dir}, nil
}

func keysCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Make and show device identities: key pair, key id and a simulated device token",
		Long: "keys manages the simulated callee devices envelopes are sealed for. Each device has a key pair bound to\n" +
			"one scheme, its key id (kid) and an APNs device token, kept in $XDG_DATA_HOME/callscope (files 0600).\n" +
			"keys new --signing --handle H makes a caller's Ed25519 signing key (envelope seal --sign); keys import\n" +
			"--signer --handle H trusts another caller's, for the handle of the contact whose key you verified: a signed\n" +
			"request from any other caller.handle is E_SIG. Private keys are never printed. Schemes: " + strings.Join(scheme.Names(), ", ") + ".",
		Args: usageArgs(cobra.NoArgs),
		// Runnable, so that an unknown subcommand is a usage error (exit 2)
		// instead of the help text and exit 0.
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(keysNew(), keysList(), keysShow(), keysRotate(), keysExport(), keysImport())
	return cmd
}

func keysNew() *cobra.Command {
	var name, sch string
	var signing bool
	var tf trustFlags
	cmd := &cobra.Command{
		Use:   "new",
		Short: "Make a device identity (the first one becomes the default device), or with --signing a caller signing key",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if signing && cmd.Flags().Changed("scheme") {
				return usageError{errors.New("--scheme: a signing key is always Ed25519; --scheme is for device keys")}
			}
			if _, err := scheme.ByName(sch); err != nil {
				return usageError{fmt.Errorf("--scheme: %w", err)}
			}
			trust, err := tf.trust(cmd, "--signing", signing)
			if err != nil {
				return err
			}
			st, err := keyStore()
			if err != nil {
				return err
			}
			if signing {
				return newSigning(cmd.OutOrStdout(), st, name, trust)
			}
			d, err := st.New(name, sch, nil)
			var ne *keyring.NameError
			if errors.As(err, &ne) {
				return usageError{err}
			}
			if err != nil {
				return err
			}
			return printDevice(cmd.OutOrStdout(), st, d)
		},
	}
	cmd.Flags().StringVar(&sch, "scheme", scheme.Default, "envelope scheme of the key")
	cmd.Flags().StringVar(&name, "name", "", "device name (default iphone-N; caller-N with --signing)")
	cmd.Flags().BoolVar(&signing, "signing", false, "make a caller's Ed25519 signing key instead of a device (with --handle YOUR_HANDLE)")
	tf.add(cmd, "--signing")
	return cmd
}

func keysList() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the device identities",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := keyStore()
			if err != nil {
				return err
			}
			ds, err := st.List()
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			ss, err := st.Signers()
			if err != nil {
				return err
			}
			defer listSigners(w, ss)
			if len(ds) == 0 {
				fmt.Fprintf(w, "no devices in %s: make one with callscope keys new\n", st.Dir)
				return nil
			}
			def := st.Default()
			for _, d := range ds {
				p, err := d.Public()
				if err != nil {
					return err
				}
				mark, note := " ", ""
				if d.Name == def {
					mark = "*"
				}
				if !d.HasPrivate() {
					note = "  (imported: public key only)"
				} else if n := len(d.Keys) - 1; n > 0 {
					note = fmt.Sprintf("  (+%d rotated)", n)
				}
				fmt.Fprintf(w, "%s %-16s %-42s kid %s%s\n", mark, d.Name, p.Scheme, p.KID, note)
			}
			return nil
		},
	}
}

func keysShow() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show [NAME]",
		Short: "Show a device's or a signing key's public identity (default: the default device)",
		Args:  usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if ss := signerArg(args); ss != nil {
				if asJSON {
					return printJSON(cmd.OutOrStdout(), struct {
						keyring.SignerInfo
						keyring.Trust
					}{ss.Info(), ss.Trust})
				}
				return printSigner(cmd.OutOrStdout(), ss)
			}
			st, d, err := deviceArg(args)
			if err != nil {
				return err
			}
			if asJSON {
				return printPublicJSON(cmd.OutOrStdout(), d)
			}
			return printDevice(cmd.OutOrStdout(), st, d)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print name, scheme, kid, public_key (base64url) and device_token (hex); for a signing key name, algorithm, signer_kid, public_key and handles")
	return cmd
}

func keysRotate() *cobra.Command {
	return &cobra.Command{
		Use:   "rotate [DEVICE]",
		Short: "Give a device a new key; the old one is kept, marked rotated, to open late pushes",
		Args:  usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, d, err := deviceArg(args)
			if err != nil {
				return err
			}
			if d, err = st.Rotate(d.Name, nil); err != nil {
				return err
			}
			return printDevice(cmd.OutOrStdout(), st, d)
		},
	}
}

func keysExport() *cobra.Command {
	return &cobra.Command{
		Use:   "export [NAME]",
		Short: "Print a device's or a signing key's public key as JSON, for keys import on another machine",
		Args:  usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if ss := signerArg(args); ss != nil {
				return printJSON(cmd.OutOrStdout(), ss.Info())
			}
			_, d, err := deviceArg(args)
			if err != nil {
				return err
			}
			return printPublicJSON(cmd.OutOrStdout(), d)
		},
	}
}

func keysImport() *cobra.Command {
	var signer bool
	var tf trustFlags
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Add another device's public key (keys export output) to seal envelopes for it; with --signer, trust a caller's signing key",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			trust, err := tf.trust(cmd, "--signer", signer)
			if err != nil {
				return err
			}
			b, err := readInput("", args[0])
			if err != nil {
				return err
			}
			if signer {
				return importSigner(cmd.OutOrStdout(), args[0], b, trust)
			}
			var p keyring.PublicInfo
			dec := json.NewDecoder(strings.NewReader(string(b)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&p); err != nil {
				return usageError{fmt.Errorf("%s: not a keys export file: %v", args[0], err)}
			}
			st, err := keyStore()
			if err != nil {
				return err
			}
			d, err := st.Import(p)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			return printDevice(cmd.OutOrStdout(), st, d)
		},
	}
	cmd.Flags().BoolVar(&signer, "signer", false, "FILE is a caller's signing key (keys export of a --signing key): trust its signatures for --handle")
	tf.add(cmd, "--signer")
	return cmd
}

func deviceArg(args []string) (*keyring.Store, *keyring.Device, error) {
	st, err := keyStore()
	if err != nil {
		return nil, nil, err
	}
	name := ""
	if len(args) == 1 {
		name = args[0]
	}
	d, err := st.Get(name)
	return st, d, err
}

// readInput reads FILE, or stdin for "-", given with flag ("" for an
// argument); a file that cannot be read is a usage error naming both.
func readInput(flag, path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(os.Stdin)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		if pe, ok := err.(*os.PathError); ok {
			err = pe.Err
		}
		return nil, usageError{fmt.Errorf("%s: %v", strings.TrimSpace(flag+" "+path), err)}
	}
	return b, nil
}

func printPublicJSON(w io.Writer, d *keyring.Device) error {
	p, err := d.Public()
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}

func printDevice(w io.Writer, st *keyring.Store, d *keyring.Device) error {
	p, err := d.Public()
	if err != nil {
		return err
	}
	def := ""
	if st.Default() == d.Name {
		def = " (default device)"
	}
	fmt.Fprintf(w, "device        %s%s\nscheme        %s\nkid           %s\npublic key    %s\ndevice token  %s\nfile          %s\n",
		p.Name, def, p.Scheme, p.KID, p.PublicKey, p.DeviceToken, d.Path())
	for i, k := range d.Keys[1:] {
		fmt.Fprintf(w, "rotated key %d  %s (made %s)\n", i+1, k.Public, k.Created.Format("2006-01-02 15:04"))
	}
	if !d.HasPrivate() {
		fmt.Fprintln(w, "private key   none (imported)")
	}
	return nil
}
