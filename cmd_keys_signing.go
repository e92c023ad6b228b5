package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/callscope/callscope/crypto/keyring"
)

// newSigning is keys new --signing: a caller's Ed25519 key, which
// envelope seal --sign uses and envelope open trusts for the user's own
// handles.
func newSigning(w io.Writer, st *keyring.Store, name string, t keyring.Trust) error {
	ss, err := st.NewSigning(name, t, nil)
	var ne *keyring.NameError
	if errors.As(err, &ne) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	return printSigner(w, ss)
}

// importSigner is keys import --signer: trust another caller's public key
// for the handles the user verified it belongs to.
func importSigner(w io.Writer, file string, b []byte, t keyring.Trust) error {
	p, err := keyring.ParseSignerInfo(b)
	if err != nil {
		return usageError{fmt.Errorf("%s: %w", file, err)}
	}
	st, err := keyStore()
	if err != nil {
		return err
	}
	ss, err := st.ImportSigner(p, t)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return printSigner(w, ss)
}

// signerArg is the signing key named by args, or nil when args name a
// device (or nothing): devices and signing keys share one namespace.
func signerArg(args []string) *keyring.StoredSigner {
	if len(args) != 1 {
		return nil
	}
	st, err := keyStore()
	if err != nil {
		return nil
	}
	ss, err := st.GetSigner(args[0])
	if err != nil {
		return nil
	}
	return ss
}

func printSigner(w io.Writer, ss *keyring.StoredSigner) error {
	p := ss.Info()
	can := "signs (envelope seal --sign " + ss.Name + ") and verifies"
	if !ss.HasPrivate() {
		can = "verifies only (imported: public key only)"
	}
	_, err := fmt.Fprintf(w, "signing key   %s\nalgorithm     %s\nsigner kid    %s\npublic key    %s\nuse           %s\ntrusted for   %s\nfile          %s\n",
		p.Name, p.Algorithm, p.SignerKID, p.PublicKey, can, trustText(ss.Trust), ss.Path())
	return err
}

func listSigners(w io.Writer, ss []*keyring.StoredSigner) {
	if len(ss) == 0 {
		return
	}
	fmt.Fprintln(w, "signing keys (envelope open accepts each only for the caller handles it is trusted for)")
	for _, s := range ss {
		p := s.Info()
		note := ""
		if !s.HasPrivate() {
			note = "  (imported: verifies only)"
		}
		fmt.Fprintf(w, "  %-16s %-42s signer kid %s  for %s%s\n", p.Name, p.Algorithm, p.SignerKID, trustText(s.Trust), note)
	}
}

// trustText says what a key is trusted for, and what follows when that
// is nothing or everything.
func trustText(t keyring.Trust) string {
	switch {
	case t.AnyHandle:
		return "any handle (--any-handle: its holder can sign as anyone; for test keys)"
	case len(t.Handles) == 0:
		return "no handle (the key file names none: every request it signs is E_SIG)"
	}
	return t.String()
}

// trustFlags are --handle and --any-handle, on keys new --signing and
// keys import --signer.
type trustFlags struct {
	handles []string
	any     bool
}

func (f *trustFlags) add(cmd *cobra.Command, what string) {
	fs := cmd.Flags()
	fs.StringArrayVar(&f.handles, "handle", nil, "with "+what+": the caller handle the key is trusted for, e.g. alice@example.org (repeat for more)")
	fs.BoolVar(&f.any, "any-handle", false, "with "+what+": trust the key for every caller handle (a test key: its holder can sign as anyone)")
}

// trust is the flags' Trust, or a usage error when they are given without
// what, or are missing or wrong with it.
func (f *trustFlags) trust(cmd *cobra.Command, what string, with bool) (keyring.Trust, error) {
	if !with {
		for _, n := range []string{"handle", "any-handle"} {
			if cmd.Flags().Changed(n) {
				return keyring.Trust{}, usageError{fmt.Errorf("--%s: only with %s (a signing key is trusted for handles; a device is not)", n, what)}
			}
		}
		return keyring.Trust{}, nil
	}
	t := keyring.Trust{Handles: f.handles, AnyHandle: f.any}
	if err := t.Check(); err != nil {
		return t, usageError{err}
	}
	return t, nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
