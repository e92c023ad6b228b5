package keyring

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// Trust is what a signing key is trusted for: the caller handles of the
// contact whose identity key the user verified. A receiver accepts a
// signature only when the request's caller.handle is one of them, so a
// trusted contact cannot sign a request in someone else's name.
type Trust struct {
	// Handles are compared byte for byte with caller.handle: no case
	// folding or phone-number normalising, so what is accepted is exactly
	// what the user verified.
	Handles []string `json:"handles,omitempty"`
	// AnyHandle trusts the key for every handle (keys --any-handle): a test
	// key only, since it lets the key's holder pose as anyone.
	AnyHandle bool `json:"any_handle,omitempty"`
}

// For reports whether the key may sign requests from handle.
func (t Trust) For(handle string) bool {
	return t.AnyHandle || slices.Contains(t.Handles, handle)
}

// String says what the key is trusted for, for listings and hints.
func (t Trust) String() string {
	switch {
	case t.AnyHandle:
		return "any handle"
	case len(t.Handles) == 0:
		return "no handle"
	}
	return strings.Join(t.Handles, ", ")
}

// Check refuses a trust that names no handle, both a handle and every
// handle, or a handle that is empty or has spaces or control characters
// (a handle is an identifier, e.g. alice@example.org or +15551234567).
func (t Trust) Check() error {
	if t.AnyHandle && len(t.Handles) > 0 {
		return fmt.Errorf("--handle and --any-handle: give one")
	}
	if !t.AnyHandle && len(t.Handles) == 0 {
		return fmt.Errorf("--handle: say which caller handle this key is trusted for (the contact whose key you verified, e.g. --handle alice@example.org), or --any-handle for a test key that may sign as anyone")
	}
	for _, h := range t.Handles {
		if h == "" || strings.IndexFunc(h, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
			return fmt.Errorf("--handle %q: a caller handle has no spaces or control characters", h)
		}
	}
	return nil
}

// merge is trust for the handles of both.
func (t Trust) merge(o Trust) Trust {
	m := Trust{Handles: slices.Clone(t.Handles), AnyHandle: t.AnyHandle || o.AnyHandle}
	for _, h := range o.Handles {
		if !slices.Contains(m.Handles, h) {
			m.Handles = append(m.Handles, h)
		}
	}
	return m
}

func (t Trust) clone() Trust {
	return Trust{Handles: slices.Clone(t.Handles), AnyHandle: t.AnyHandle}
}
