package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// cursor is the keyset position of one row: the values of the order columns, tagged with
// the ordering they belong to so that a cursor is never applied to another ordering.
type cursor struct {
	Order  string   `json:"o"`
	Values []string `json:"v"`
}

// CursorKeySize is the length in bytes of the key that seals cursors.
const CursorKeySize = 32

// cursorVersion prefixes every sealed cursor and is bound into its authentication tag.
const cursorVersion = "c2."

// cursorAEAD seals and opens cursors. Cursors are AES-256-GCM sealed, so a client learns
// nothing from one (not the order values: a name or a date) and cannot forge or alter one to
// probe values it sees masked. Until SetCursorKey is called a random key is used, which
// makes cursors valid only within this process.
var cursorAEAD atomic.Pointer[cipher.AEAD]

func init() {
	key := make([]byte, CursorKeySize)
	_, _ = rand.Read(key) // crypto/rand.Read never fails on supported platforms
	if err := SetCursorKey(key); err != nil {
		panic(err)
	}
}

// SetCursorKey sets the 32-byte key that seals cursors; every hub serving the same clients
// must use the same key (the hub derives it from its configured keys).
func SetCursorKey(key []byte) error {
	if len(key) != CursorKeySize {
		return fmt.Errorf("store: cursor key must be %d bytes, got %d", CursorKeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return fmt.Errorf("store: cursor key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return fmt.Errorf("store: cursor key: %w", err)
	}
	cursorAEAD.Store(&aead)
	return nil
}

func encodeCursor(order string, values []string) string {
	b, _ := json.Marshal(cursor{Order: order, Values: values}) // strings always marshal
	aead := *cursorAEAD.Load()
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce)
	sealed := aead.Seal(nonce, nonce, b, []byte(cursorVersion))
	return cursorVersion + base64.RawURLEncoding.EncodeToString(sealed)
}

var errBadCursor = errors.New("is not a valid cursor")

func decodeCursor(s, order string, n int) (*cursor, error) {
	if len(s) > 4096 || len(s) < len(cursorVersion) || s[:len(cursorVersion)] != cursorVersion {
		return nil, errBadCursor
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(s[len(cursorVersion):])
	aead := *cursorAEAD.Load()
	if err != nil || len(raw) < aead.NonceSize() {
		return nil, errBadCursor
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(cursorVersion))
	if err != nil {
		return nil, errBadCursor
	}
	var c cursor
	if err := json.Unmarshal(plain, &c); err != nil || len(c.Values) != n {
		return nil, errBadCursor
	}
	if c.Order != order {
		return nil, errors.New("belongs to another ordering; request the first page again")
	}
	return &c, nil
}

// formatValue renders an order-column value as text that Postgres parses back exactly.
func formatValue(v any) string {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case *time.Time:
		if x == nil {
			return ""
		}
		return x.UTC().Format(time.RFC3339Nano)
	case string:
		return x
	case *string:
		if x == nil {
			return ""
		}
		return *x
	default:
		return fmt.Sprint(x)
	}
}
