package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/callscope/callscope/crypto/keyring"
)

// newSigning is keys new --signing: a caller's Ed25519 key, which
// envelope seal --sign uses and envelope open trusts.
func newSigning(w io.Writer, st *keyring.Store, name string) error {
	ss, err := st.NewSigning(name, nil)
	var ne *keyring.NameError
	if errors.As(err, &ne) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	return printSigner(w, ss)
}

// importSigner is keys import --signer: trust another caller's public key.
func importSigner(w io.Writer, file string, b []byte) error {
	p, err := keyring.ParseSignerInfo(b)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	st, err := keyStore()
	if err != nil {
		return err
	}
	ss, err := st.ImportSigner(p)
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
	_, err := fmt.Fprintf(w, "signing key   %s\nalgorithm     %s\nsigner kid    %s\npublic key    %s\nuse           %s\nfile          %s\n",
		p.Name, p.Algorithm, p.SignerKID, p.PublicKey, can, ss.Path())
	return err
}

func listSigners(w io.Writer, ss []*keyring.StoredSigner) {
	if len(ss) == 0 {
		return
	}
	fmt.Fprintln(w, "signing keys (envelope open trusts every one)")
	for _, s := range ss {
		p := s.Info()
		note := ""
		if !s.HasPrivate() {
			note = "  (imported: verifies only)"
		}
		fmt.Fprintf(w, "  %-16s %-42s signer kid %s%s\n", p.Name, p.Algorithm, p.SignerKID, note)
	}
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
