//go:build unix

package replay

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"
)

// The file is a header and fixed-size records: kid ‖ nonce ‖ u64be expiry
// (Unix ms). Fixed records need no parser that a torn write could confuse:
// a short tail is ignored and overwritten by the next compaction.
const (
	magic      = "VPE1RPL1"
	recordSize = KIDSize + NonceSize + 8
)

type fileStore struct {
	f    *os.File
	path string
}

// OpenFile opens (or creates, 0600) a replay cache file shared by every
// process that opens it: each check-and-insert holds an exclusive flock.
func OpenFile(path string) (*Cache, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("replay cache %s: %w", path, err)
	}
	c := &Cache{file: &fileStore{f: f, path: path}}
	if err := c.file.locked(func(b []byte) ([]byte, error) { return b, nil }); err != nil {
		f.Close()
		return nil, err
	}
	return c, nil
}

// locked runs fn on the records under an exclusive lock; when fn returns
// records different from its input, they replace the file's.
func (s *fileStore) locked(fn func(records []byte) ([]byte, error)) error {
	if err := syscall.Flock(int(s.f.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("replay cache %s: lock: %w", s.path, err)
	}
	defer syscall.Flock(int(s.f.Fd()), syscall.LOCK_UN)
	b, err := io.ReadAll(io.NewSectionReader(s.f, 0, 1<<62))
	if err != nil {
		return fmt.Errorf("replay cache %s: %w", s.path, err)
	}
	if len(b) > 0 && !bytes.HasPrefix(b, []byte(magic)) {
		return fmt.Errorf("replay cache %s: not a callscope replay cache (bad header)", s.path)
	}
	var recs []byte
	if len(b) >= len(magic) {
		recs = b[len(magic):]
		recs = recs[:len(recs)/recordSize*recordSize]
	}
	out, err := fn(recs)
	if err != nil {
		return err
	}
	intact := len(b) == len(magic)+len(recs) // header present, no torn tail
	switch {
	case intact && bytes.Equal(out, recs):
		return nil
	case intact && len(out) > len(recs) && bytes.Equal(out[:len(recs)], recs):
		// Append only the new record: one small write, no rewrite.
		_, err = s.f.WriteAt(out[len(recs):], int64(len(b)))
	default:
		if err = s.f.Truncate(0); err == nil {
			_, err = s.f.WriteAt(append([]byte(magic), out...), 0)
		}
	}
	if err == nil {
		err = s.f.Sync()
	}
	if err != nil {
		return fmt.Errorf("replay cache %s: %w", s.path, err)
	}
	return nil
}

func (s *fileStore) checkAndInsert(k key, expires, now time.Time) (seen bool, err error) {
	err = s.locked(func(recs []byte) ([]byte, error) {
		expired := 0
		for off := 0; off < len(recs); off += recordSize {
			r := recs[off : off+recordSize]
			exp := time.UnixMilli(int64(binary.BigEndian.Uint64(r[KIDSize+NonceSize:])))
			if now.After(exp) {
				expired++
				continue
			}
			if bytes.Equal(r[:KIDSize+NonceSize], k[:]) {
				seen = true
			}
		}
		if seen {
			return recs, nil
		}
		if expired > 64 && expired*2 > len(recs)/recordSize {
			recs = compact(recs, now)
		}
		rec := append(k[:], binary.BigEndian.AppendUint64(nil, uint64(expires.UnixMilli()))...)
		return append(recs[:len(recs):len(recs)], rec...), nil
	})
	return seen, err
}

// compact drops expired records.
func compact(recs []byte, now time.Time) []byte {
	out := make([]byte, 0, len(recs))
	for off := 0; off < len(recs); off += recordSize {
		r := recs[off : off+recordSize]
		if !now.After(time.UnixMilli(int64(binary.BigEndian.Uint64(r[KIDSize+NonceSize:])))) {
			out = append(out, r...)
		}
	}
	return out
}

func (s *fileStore) close() error { return s.f.Close() }

func (s *fileStore) live(now time.Time) (int, error) {
	n := 0
	err := s.locked(func(recs []byte) ([]byte, error) {
		n = len(compact(recs, now)) / recordSize
		return recs, nil
	})
	return n, err
}
