// Package pii protects personal identity numbers: it derives the lookup HMAC of a normalised
// number, encrypts and decrypts the stored copy with AES-GCM, and masks personal fields for
// display while keeping their shape.
package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length in bytes of each key in Keys.
const KeySize = 32

// Keys holds the secrets that protect identity numbers.
type Keys struct {
	hmacKey []byte
	aead    cipher.AEAD
}

// ErrBadKey reports key material of the wrong length or encoding.
var ErrBadKey = errors.New("pii: key must be 32 bytes (64 hex characters)")

// NewKeys builds Keys from a 32-byte HMAC key and a 32-byte AES-256 key.
func NewKeys(hmacKey, encKey []byte) (*Keys, error) {
	if len(hmacKey) != KeySize || len(encKey) != KeySize {
		return nil, ErrBadKey
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, fmt.Errorf("pii: aes: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("pii: gcm: %w", err)
	}
	return &Keys{hmacKey: append([]byte(nil), hmacKey...), aead: aead}, nil
}

// ParseHexKeys builds Keys from two hex-encoded 32-byte keys, as kept in configuration.
func ParseHexKeys(hmacHex, encHex string) (*Keys, error) {
	h, err := hex.DecodeString(strings.TrimSpace(hmacHex))
	if err != nil {
		return nil, ErrBadKey
	}
	e, err := hex.DecodeString(strings.TrimSpace(encHex))
	if err != nil {
		return nil, ErrBadKey
	}
	return NewKeys(h, e)
}

// GenerateHexKey returns a fresh random key, hex-encoded.
func GenerateHexKey() string {
	b := make([]byte, KeySize)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

// NormaliseIDNumber trims spaces and upper-cases the check character, so that the same
// number always yields the same HMAC.
func NormaliseIDNumber(idNumber string) string {
	return strings.ToUpper(strings.Join(strings.Fields(idNumber), ""))
}

// IDNumberHMAC returns the HMAC-SHA256 of the normalised identity number.
func (k *Keys) IDNumberHMAC(idNumber string) []byte {
	m := hmac.New(sha256.New, k.hmacKey)
	m.Write([]byte(NormaliseIDNumber(idNumber)))
	return m.Sum(nil)
}

// Encrypt seals plaintext with AES-GCM under a random nonce; the nonce is prefixed to the result.
func (k *Keys) Encrypt(plaintext string) []byte {
	nonce := make([]byte, k.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return k.aead.Seal(nonce, nonce, []byte(plaintext), nil)
}

// Decrypt opens a value produced by Encrypt.
func (k *Keys) Decrypt(sealed []byte) (string, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n {
		return "", errors.New("pii: ciphertext too short")
	}
	plain, err := k.aead.Open(nil, sealed[:n], sealed[n:], nil)
	if err != nil {
		return "", fmt.Errorf("pii: decrypt: %w", err)
	}
	return string(plain), nil
}

// DeriveKey returns a 32-byte key for another use of the hub (sealing cursors), derived
// from the configured HMAC key and label, so one configured secret serves every such use
// and hubs sharing the configuration derive the same keys.
func (k *Keys) DeriveKey(label string) []byte {
	m := hmac.New(sha256.New, k.hmacKey)
	m.Write([]byte("civiclink derived key\x00" + label))
	return m.Sum(nil)
}
