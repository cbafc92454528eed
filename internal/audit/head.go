package audit

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Head names the newest row of the log when it was published: its id and hash.
type Head struct {
	ID   int64
	Hash []byte
}

// String renders h as ID:HEX, the form ParseHead reads.
func (h Head) String() string { return fmt.Sprintf("%d:%s", h.ID, hex.EncodeToString(h.Hash)) }

// ParseHead reads a head written as ID:HEX (as the hub logs it and keeps it in its head file).
func ParseHead(s string) (Head, error) {
	id, hash, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return Head{}, errors.New("access log head: want ID:HEX")
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return Head{}, fmt.Errorf("access log head: bad row id %q", id)
	}
	b, err := hex.DecodeString(hash)
	if err != nil || len(b) != 32 {
		return Head{}, errors.New("access log head: want a 64-digit hex hash")
	}
	return Head{ID: n, Hash: b}, nil
}

// ReadHead reads the head file at path; ok=false when there is none yet.
func ReadHead(path string) (h Head, ok bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return Head{}, false, nil
	}
	if err != nil {
		return Head{}, false, fmt.Errorf("read access log head: %w", err)
	}
	h, err = ParseHead(string(data))
	if err != nil {
		return Head{}, false, fmt.Errorf("%s: %w", path, err)
	}
	return h, true, nil
}

// writeHead replaces the head file atomically.
func writeHead(path string, h Head) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".audit-head-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(h.String() + "\n"); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
