package preflight

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"howett.net/plist"
)

// The Mach-O and code-signing constants used (from Apple's <mach-o/loader.h>,
// <mach-o/fat.h> and the code signing blob formats).
const (
	machoMagic32    = 0xfeedface
	machoMagic64    = 0xfeedfacf
	fatMagic        = 0xcafebabe
	fatMagic64      = 0xcafebabf
	lcCodeSignature = 0x1d
	csSuperBlob     = 0xfade0cc0
	csEntitlements  = 0xfade7171
	csSlotEnts      = 5
	// Load commands are kilobytes; a signature holds a hash per 4 KiB page,
	// so even a large binary's is a few MiB.
	maxLoadCommands = 1 << 20
	maxSignature    = 32 << 20
)

// errNoEntitlements is a binary whose signature claims no entitlements: a
// Simulator build (ad hoc signed) or an unsigned one.
var errNoEntitlements = errors.New("its code signature carries no entitlements (ad hoc or Simulator signing, or unsigned)")

// SignedEntitlements reads the entitlements a Mach-O binary's code
// signature claims: what iOS enforces, within what the profile grants. It
// reads r once, front to back, so a binary inside an .ipa is streamed, not
// held in memory. A universal binary's first slice is read: every slice
// is signed with the same entitlements.
func SignedEntitlements(r io.Reader) (map[string]any, error) {
	s := &stream{r: r}
	head, err := s.read(8)
	if err != nil {
		return nil, errors.New("not a Mach-O binary: too short")
	}
	base := int64(0)
	switch binary.BigEndian.Uint32(head) {
	case fatMagic, fatMagic64:
		wide := binary.BigEndian.Uint32(head) == fatMagic64
		if binary.BigEndian.Uint32(head[4:]) == 0 {
			return nil, errors.New("a universal binary with no slices")
		}
		size := 20
		if wide {
			size = 32
		}
		arch, err := s.read(size)
		if err != nil {
			return nil, errors.New("a universal binary cut short")
		}
		if wide {
			base = int64(binary.BigEndian.Uint64(arch[8:]))
		} else {
			base = int64(binary.BigEndian.Uint32(arch[8:]))
		}
		if err := s.skipTo(base); err != nil {
			return nil, err
		}
		if head, err = s.read(8); err != nil {
			return nil, errors.New("a universal binary's slice cut short")
		}
	}
	var headerSize int
	switch binary.LittleEndian.Uint32(head) {
	case machoMagic64:
		headerSize = 32
	case machoMagic32:
		headerSize = 28
	default:
		return nil, errors.New("not a Mach-O binary")
	}
	rest, err := s.read(headerSize - 8)
	if err != nil {
		return nil, errors.New("a Mach-O header cut short")
	}
	ncmds, sizeCmds := binary.LittleEndian.Uint32(rest[8:]), binary.LittleEndian.Uint32(rest[12:])
	if sizeCmds > maxLoadCommands {
		return nil, fmt.Errorf("load commands of %d bytes: not a binary preflight can read", sizeCmds)
	}
	cmds, err := s.read(int(sizeCmds))
	if err != nil {
		return nil, errors.New("load commands cut short")
	}
	for i := uint32(0); i < ncmds && len(cmds) >= 8; i++ {
		cmd, size := binary.LittleEndian.Uint32(cmds), binary.LittleEndian.Uint32(cmds[4:])
		if size < 8 || int(size) > len(cmds) {
			return nil, errors.New("a load command runs past the others")
		}
		if cmd == lcCodeSignature && size >= 16 {
			off, n := binary.LittleEndian.Uint32(cmds[8:]), binary.LittleEndian.Uint32(cmds[12:])
			return readSignature(s, base+int64(off), n)
		}
		cmds = cmds[size:]
	}
	return nil, errNoEntitlements
}

// readSignature finds the entitlements blob in the code signature
// (a SuperBlob, big-endian) at off.
func readSignature(s *stream, off int64, n uint32) (map[string]any, error) {
	if n > maxSignature || n < 12 {
		return nil, fmt.Errorf("a code signature of %d bytes: not one preflight can read", n)
	}
	if err := s.skipTo(off); err != nil {
		return nil, err
	}
	sig, err := s.read(int(n))
	if err != nil {
		return nil, errors.New("the code signature is cut short")
	}
	if binary.BigEndian.Uint32(sig) != csSuperBlob {
		return nil, errors.New("the code signature is not a SuperBlob")
	}
	count := binary.BigEndian.Uint32(sig[8:])
	for i := uint32(0); i < count && 12+8*int(i)+8 <= len(sig); i++ {
		slot := sig[12+8*i:]
		if binary.BigEndian.Uint32(slot) != csSlotEnts {
			continue
		}
		at := int(binary.BigEndian.Uint32(slot[4:]))
		if at < 0 || at+8 > len(sig) || binary.BigEndian.Uint32(sig[at:]) != csEntitlements {
			return nil, errors.New("the entitlements slot points at no entitlements blob")
		}
		end := at + int(binary.BigEndian.Uint32(sig[at+4:]))
		if end < at+8 || end > len(sig) {
			return nil, errors.New("the entitlements blob runs past the signature")
		}
		var ents map[string]any
		if _, err := plist.Unmarshal(sig[at+8:end], &ents); err != nil {
			return nil, fmt.Errorf("the signed entitlements are not a readable property list: %v", err)
		}
		return ents, nil
	}
	return nil, errNoEntitlements
}

// stream reads forward only, tracking where it is.
type stream struct {
	r   io.Reader
	pos int64
}

func (s *stream) read(n int) ([]byte, error) {
	buf := bytes.NewBuffer(make([]byte, 0, min(n, 1<<16)))
	got, err := io.CopyN(buf, s.r, int64(n))
	s.pos += got
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (s *stream) skipTo(off int64) error {
	if off < s.pos {
		return errors.New("the code signature lies before the load commands: not a binary preflight can read")
	}
	got, err := io.CopyN(io.Discard, s.r, off-s.pos)
	s.pos += got
	if err != nil {
		return errors.New("the binary ends before its code signature")
	}
	return nil
}
