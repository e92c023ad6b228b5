package envelope

import (
	"fmt"

	"github.com/callscope/callscope/crypto/scheme"
)

// PadBlock is the default plaintext bucket: the sealed JSON is padded to a
// multiple of 512 bytes, so a typical call and a typical message (up to a
// hundred bytes of text), signed or not, seal to the same size and the
// push's length does not tell the provider server or Apple which it is.
// (64 or 128 bytes would hide a name's length but not a call from a
// message: their plaintexts differ by more than that.)
const PadBlock = 512

// padField is the JSON the pad adds besides its spaces: `,"pad":""`.
const padField = len(`,"pad":""`)

// marshalPadded writes pt as JSON, its "pad" member holding as many ASCII
// spaces as make the length a multiple of block (block <= 0: no padding).
// Receivers ignore "pad" like any member they do not know. The JSON is
// encoding/json's, byte for byte; pad is its last member, so the padded
// JSON is the unpadded one with the member appended.
func marshalPadded(pt Plaintext, block int) ([]byte, error) {
	pt.Pad = ""
	b := appendPlaintext(make([]byte, 0, max(block, 256)), &pt)
	if block <= 0 {
		return b, nil
	}
	target := (len(b) + padField + block - 1) / block * block
	// When target is exactly len+padField there is no space to add, but
	// the member still counts: omitempty would drop it and leave the JSON
	// 9 bytes short of the bucket (JS writes "pad":"" here too).
	spaces := target - len(b) - padField
	b = append(b[:len(b)-1], `,"pad":"`...)
	for range spaces {
		b = append(b, ' ')
	}
	b = append(b, `"}`...)
	if len(b)%block != 0 {
		return nil, fmt.Errorf("padding: %d bytes is not a multiple of %d", len(b), block) // cannot happen: spaces need no escaping
	}
	return b, nil
}

// Bucket is what the ciphertext's length says about the plaintext, which
// anyone on the way can see: its length, and whether that is a whole
// number of PadBlock buckets (a padded push shows nothing more).
func (e *Envelope) Bucket() (plaintext int, padded bool) {
	s, err := scheme.ByName(e.Alg)
	if err != nil {
		return 0, false
	}
	overhead := 16 // the AEAD tag
	if !s.HasAAD() {
		overhead = 48 // sealed box: ephemeral key and MAC
	}
	n := len(e.CT) - overhead
	return n, n > 0 && n%PadBlock == 0
}
