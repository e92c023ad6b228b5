//go:build !unix

package replay

import (
	"errors"
	"time"
)

type fileStore struct{}

// OpenFile needs flock, which this platform lacks.
func OpenFile(path string) (*Cache, error) {
	return nil, errors.New("replay cache " + path + ": file-backed caches need a unix system (flock)")
}

func (*fileStore) checkAndInsert(key, time.Time, time.Time) (bool, error) { return false, nil }
func (*fileStore) live(time.Time) (int, error)                            { return 0, nil }
func (*fileStore) close() error                                           { return nil }
