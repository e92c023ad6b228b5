package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/crypto/receiver"
	"github.com/callscope/callscope/crypto/replay"
	"github.com/callscope/callscope/crypto/scheme"
)

func envelopeCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "envelope",
		Short: "Seal, open and inspect VPE1 envelopes (docs/envelope.md)",
		Args:  usageArgs(cobra.NoArgs),
		// Runnable, so that an unknown subcommand is a usage error (exit 2).
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(envelopeSeal(), envelopeOpen(), envelopeInspect())
	return cmd
}

func envelopeSeal() *cobra.Command {
	var in, to, sch, sign string
	var ttl time.Duration
	var noPad bool
	cmd := &cobra.Command{
		Use:   "seal --in FILE",
		Short: "Seal a plaintext call request (docs/envelope.md) into an APNs payload, printed to stdout",
		Long: "seal checks the plaintext against the receiver's schema (E_PAYLOAD: type, call_uuid, handle_type) and\n" +
			"refuses what envelope open would refuse, pads it to a 512-byte bucket so calls and messages look alike,\n" +
			"signs it with --sign (a key from keys new --signing, only for a caller.handle the key is trusted for)\n" +
			"and seals it for a device.",
		Example: "  callscope envelope seal --in plain.json > env.json\n  callscope envelope seal --in plain.json --to ipad --ttl 30s --sign caller-1",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if in == "" {
				return usageError{errors.New("--in FILE is required (the plaintext JSON; - for stdin)")}
			}
			if sch != "" {
				if _, err := scheme.ByName(sch); err != nil {
					return usageError{fmt.Errorf("--scheme: %w", err)}
				}
			}
			if ttl%time.Second != 0 || ttl < time.Second || ttl > envelope.MaxTTL*time.Second {
				return usageError{fmt.Errorf("--ttl %s: want whole seconds from 1s to %ds", ttl, envelope.MaxTTL)}
			}
			b, err := readInput("--in", in)
			if err != nil {
				return err
			}
			var pt envelope.Plaintext
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&pt); err != nil {
				return fmt.Errorf("%s: not a plaintext call request: %v", in, err)
			}
			// The receiver's schema, before anything is sealed: what open
			// would refuse is refused here, with the same code.
			if err := envelope.CheckPlaintext(pt); err != nil {
				return fmt.Errorf("%s: %s: %v (envelope open would refuse it)", in, receiver.CodePayload, err)
			}
			st, err := keyStore()
			if err != nil {
				return err
			}
			opts := envelope.SealOptions{TTL: ttl}
			if noPad {
				opts.Pad = -1
			}
			if sign != "" {
				ss, err := st.GetSigner(sign)
				if err != nil {
					return usageError{fmt.Errorf("--sign: %w", err)}
				}
				if opts.Signer, err = ss.Key(); err != nil {
					return usageError{fmt.Errorf("--sign: %w", err)}
				}
				// A key signs only for the handles it is trusted for: what
				// a receiver trusting it as this store does would refuse
				// (E_SIG) is refused here.
				if !ss.For(pt.Caller.Handle) {
					return fmt.Errorf("%s: %s: caller.handle %s: signing key %s is trusted for %s (envelope open would refuse it)",
						in, receiver.CodeSig, pt.Caller.Handle, ss.Name, ss.Trust.String())
				}
			}
			d, err := st.Get(to)
			if err != nil {
				return fmt.Errorf("--to: %w", err)
			}
			s, pub, err := d.Current()
			if err != nil {
				return err
			}
			if sch != "" && sch != s.Name() {
				return usageError{fmt.Errorf("--scheme %s: device %s's key is %s (a key is bound to one scheme; make one with keys new --scheme)", sch, d.Name, s.Name())}
			}
			tok, err := d.TokenBytes()
			if err != nil {
				return err
			}
			env, err := envelope.SealWith(rand.Reader, envelope.Recipient{Scheme: s.Name(), PublicKey: pub, DeviceToken: tok}, pt, opts)
			if err != nil {
				return fmt.Errorf("%s: %w", in, err)
			}
			out, err := json.MarshalIndent(envelope.NewPayload(env), "", "  ")
			if err != nil {
				return err
			}
			if len(out) > envelope.MaxAlertPayload {
				fmt.Fprintf(cmd.ErrOrStderr(), "callscope: warning: the payload is %d bytes; APNs rejects alert payloads over %d\n", len(out), envelope.MaxAlertPayload)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s\n", out)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&in, "in", "", "plaintext JSON file (- for stdin); nonce and sent_ms are filled in when absent")
	f.StringVar(&to, "to", "", "device to seal for (default: the default device)")
	f.StringVar(&sch, "scheme", "", "expected scheme of the device's key")
	f.DurationVar(&ttl, "ttl", envelope.DefaultTTL, "how long the request is valid (at most 120s)")
	f.StringVar(&sign, "sign", "", "sign as the caller with this signing key (keys new --signing)")
	f.BoolVar(&noPad, "no-pad", false, "do not pad the plaintext to a 512-byte bucket (the push's size then shows what it carries)")
	return cmd
}

func envelopeOpen() *cobra.Command {
	var in, dev, sent, info, cache, decryptCmd string
	var skew time.Duration
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "open --in FILE",
		Short: "Open an APNs payload or bare envelope as the extension does: every receiver check (docs/receiver-checks.md)",
		Long: "open runs the receiver's checks in order (E_PARSE … E_SIG), prints the header, the AAD bytes, each check\n" +
			"and the plaintext, and exits 1 naming the first failed check. For an authentication failure it tries what\n" +
			"the device itself can (other keys held, other info labels, other ttl values) and, with --sent, compares\n" +
			"with the envelope as it was sealed, labelled as such. A signature verifies against the key store's signing\n" +
			"keys, and only for a caller.handle its key is trusted for (keys import --signer --handle); otherwise E_SIG.\n" +
			"An unsigned request opens with the warning W_UNSIGNED.",
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if in == "" {
				return usageError{errors.New("--in FILE is required (an APNs payload or a bare envelope; - for stdin)")}
			}
			data, err := readInput("--in", in)
			if err != nil {
				return err
			}
			if skew < 0 {
				return usageError{fmt.Errorf("--skew must not be negative (got %s)", skew)}
			}
			cfg := receiver.Config{Skew: skew, ExactSkew: true, Context: cmd.Context()}
			if cmd.Flags().Changed("info") {
				cfg.Info = []byte(info)
			}
			if decryptCmd != "" {
				if cfg.Decrypt, err = receiver.ParseCommand(decryptCmd); err != nil {
					return usageError{err}
				}
			} else if err := deviceConfig(&cfg, dev); err != nil {
				return err
			}
			if sent != "" {
				b, err := readInput("--sent", sent)
				if err != nil {
					return err
				}
				e, err := envelope.ParsePayload(b)
				if err != nil {
					return usageError{fmt.Errorf("--sent %s: %w", sent, err)}
				}
				cfg.Sent = []*envelope.Envelope{e}
			}
			if cache != "" {
				c, err := replay.OpenFile(cache)
				if err != nil {
					return usageError{fmt.Errorf("--replay-cache: %w", err)}
				}
				defer c.Close()
				cfg.Replay = c
			}
			opened, err := receiver.Open(data, cfg)
			return reportOpen(cmd.OutOrStdout(), opened, err, asJSON)
		},
	}
	f := cmd.Flags()
	f.StringVar(&in, "in", "", "APNs payload or bare envelope (- for stdin)")
	f.StringVar(&dev, "device", "", "device whose keys open it (default: the default device)")
	f.StringVar(&sent, "sent", "", "the envelope as it was sealed, to name what changed on the way")
	f.StringVar(&info, "info", string(envelope.Info), "HPKE info label the receiver uses")
	f.DurationVar(&skew, "skew", 30*time.Second, "clock skew allowed for ts")
	f.StringVar(&cache, "replay-cache", "", "replay cache file shared by every process that uses it (default: no replay check)")
	f.StringVar(&decryptCmd, "decrypt-cmd", "", "PROGRAM [ARGS]: your own decryptor, envelope on stdin, plaintext JSON on stdout")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func deviceConfig(cfg *receiver.Config, name string) error {
	st, err := keyStore()
	if err != nil {
		return err
	}
	d, err := st.Get(name)
	if err != nil {
		return fmt.Errorf("--device: %w", err)
	}
	ring, err := d.Ring()
	if err != nil {
		// An imported device cannot open: the flag named the wrong one.
		return usageError{fmt.Errorf("--device: %w", err)}
	}
	tok, err := d.TokenBytes()
	if err != nil {
		return err
	}
	cfg.Ring, cfg.DeviceToken = ring, tok
	if cfg.Signers, err = st.Trusted(); err != nil {
		return err
	}
	return nil
}

func envelopeInspect() *cobra.Command {
	var in string
	cmd := &cobra.Command{
		Use:   "inspect --in FILE",
		Short: "Show an envelope's header and AAD without opening it (no keys needed)",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if in == "" {
				return usageError{errors.New("--in FILE is required")}
			}
			data, err := readInput("--in", in)
			if err != nil {
				return err
			}
			env, err := envelope.ParsePayload(data)
			if err != nil {
				return fmt.Errorf("%s: %w", in, err)
			}
			aad, _ := env.AAD()
			w := cmd.OutOrStdout()
			printHeader(w, env, aad)
			if n, padded := env.Bucket(); padded {
				fmt.Fprintf(w, "bucket        %d-byte plaintext: padded to a %d-byte bucket (size does not show a call from a message)\n", n, envelope.PadBlock)
			} else {
				fmt.Fprintf(w, "bucket        none: a %d-byte plaintext, not padded (its size shows how long the content is)\n", n)
			}
			fmt.Fprintf(w, "payload       %d bytes (APNs limit %d)\n", len(data), envelope.MaxAlertPayload)
			return nil
		},
	}
	cmd.Flags().StringVar(&in, "in", "", "APNs payload or bare envelope (- for stdin)")
	return cmd
}

func printHeader(w io.Writer, e *envelope.Envelope, aad []byte) {
	fmt.Fprintf(w, "v             %d\nalg           %s\nkid           %s\nrcpt          %s\n", e.V, e.Alg, b64s(e.KID), b64s(e.Rcpt))
	fmt.Fprintf(w, "ts            %d (%s)\nttl           %ds\nnonce         %s\n", e.TS, time.UnixMilli(e.TS).UTC().Format(time.RFC3339Nano), e.TTL, b64s(e.Nonce))
	if len(e.Enc) > 0 {
		fmt.Fprintf(w, "enc           %d bytes\n", len(e.Enc))
	}
	fmt.Fprintf(w, "ct            %d bytes\naad           %s (%d bytes)\n", len(e.CT), hex.EncodeToString(aad), len(aad))
}

func b64s(b []byte) string { j, _ := json.Marshal(envelope.B64(b)); return string(bytes.Trim(j, `"`)) }

type openJSON struct {
	Header      *envelope.Envelope `json:"header,omitempty"`
	AAD         string             `json:"aad,omitempty"`
	Checks      []receiver.Check   `json:"checks"`
	Plaintext   json.RawMessage    `json:"plaintext,omitempty"`
	Code        string             `json:"code,omitempty"`
	Explanation string             `json:"explanation,omitempty"`
	// Differential is what an E_AUTH diagnosis tried with the device's
	// own keys and labels; SenderCopy what the sealed copy (--sent) showed.
	Differential []receiver.Check `json:"differential,omitempty"`
	SenderCopy   string           `json:"sender_copy,omitempty"`
	Warnings     []warningJSON    `json:"warnings,omitempty"`
	Signer       string           `json:"signer_kid,omitempty"`
}

type warningJSON struct {
	Code        string `json:"code"`
	Detail      string `json:"detail"`
	Explanation string `json:"explanation,omitempty"`
}

// reportOpen prints what open found; a failed check is the error (exit 1).
// Warnings (W_UNSIGNED, W_ROTATED_KEY) are printed, not failures.
func reportOpen(w io.Writer, o *receiver.Opened, err error, asJSON bool) error {
	var re *receiver.Error
	if err != nil && !errors.As(err, &re) {
		return err
	}
	j := openJSON{}
	if o != nil {
		j.Header, j.AAD, j.Checks, j.Plaintext = o.Envelope, hex.EncodeToString(o.AAD), o.Checks, o.Raw
		for _, wa := range o.Warnings {
			j.Warnings = append(j.Warnings, warningJSON{Code: wa.Code, Detail: wa.Detail, Explanation: wa.Explanation})
		}
		if o.Warning != nil {
			j.Code, j.Explanation = o.Warning.Code, o.Warning.Explanation
		}
		if o.Signer != nil {
			j.Signer = o.Plaintext.SignerKID
		}
	} else {
		j.Header, j.AAD, j.Checks, j.Code, j.Explanation = re.Envelope, hex.EncodeToString(re.AAD), re.Checks, re.Code, re.Explanation
		j.Differential, j.SenderCopy = re.Differential, re.SenderCopy
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if e := enc.Encode(j); e != nil {
			return e
		}
	} else {
		printOpen(w, j, o)
	}
	if re != nil {
		return re
	}
	return nil
}

// padRE finds the padding, shown by its length: hundreds of spaces say nothing.
var padRE = regexp.MustCompile(`"pad": " *"`)

func printOpen(w io.Writer, j openJSON, o *receiver.Opened) {
	if j.Header != nil {
		aad, _ := j.Header.AAD()
		printHeader(w, j.Header, aad)
	}
	fmt.Fprintln(w, "checks")
	for _, c := range j.Checks {
		mark := "pass"
		if !c.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "  %s  %-9s %-14s %s\n", mark, c.Name, c.Code, c.Detail)
	}
	for _, wa := range j.Warnings {
		fmt.Fprintf(w, "warning       %s: %s: %s\n", wa.Code, wa.Detail, wa.Explanation)
	}
	if o == nil && j.Explanation != "" {
		own := strings.TrimSuffix(j.Explanation, "; compared with the sender's copy: "+j.SenderCopy)
		fmt.Fprintf(w, "diagnosis     %s: %s\n", j.Code, own)
		for _, c := range j.Differential {
			res := "no"
			if c.OK {
				res = "yes"
			}
			fmt.Fprintf(w, "  tried (this device)   %-12s %-3s %s\n", c.Name, res, c.Detail)
		}
		if j.SenderCopy != "" {
			fmt.Fprintf(w, "  compared with the sender's copy (--sent; a real extension has no such copy): %s\n", j.SenderCopy)
		}
	}
	if o != nil {
		var pretty bytes.Buffer
		if json.Indent(&pretty, o.Raw, "", "  ") != nil {
			pretty.Write(o.Raw)
		}
		shown := padRE.ReplaceAllStringFunc(pretty.String(), func(m string) string {
			return fmt.Sprintf(`"pad": "(%d spaces)"`, len(m)-len(`"pad": ""`))
		})
		fmt.Fprintf(w, "plaintext     %d bytes\n%s\n", len(o.Raw), shown)
		if c := o.Plaintext.Caller; c != nil {
			fmt.Fprintf(w, "caller        %s (%s) %s\n", c.Handle, c.HandleType, c.Name)
		}
	}
}
