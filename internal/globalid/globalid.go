// Package globalid encodes and decodes the opaque global IDs of the Node interface: a type name
// and an internal primary key, base64url-encoded so clients never depend on their shape.
package globalid

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
)

// ErrInvalid reports an ID that is not one this API issued.
var ErrInvalid = errors.New("is not a valid ID")

// Encode returns the global ID of row id of GraphQL type typeName.
func Encode(typeName string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typeName + ":" + strconv.FormatInt(id, 10)))
}

// Decode splits a global ID into its type name and primary key.
func Decode(s string) (typeName string, id int64, err error) {
	if len(s) == 0 || len(s) > 200 {
		return "", 0, ErrInvalid
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", 0, ErrInvalid
	}
	typeName, num, ok := strings.Cut(string(raw), ":")
	if !ok || typeName == "" {
		return "", 0, ErrInvalid
	}
	id, err = strconv.ParseInt(num, 10, 64)
	if err != nil || id <= 0 {
		return "", 0, ErrInvalid
	}
	return typeName, id, nil
}

// DecodeAs decodes s and checks that it names a row of type want.
func DecodeAs(s, want string) (int64, error) {
	typeName, id, err := Decode(s)
	if err != nil {
		return 0, err
	}
	if typeName != want {
		return 0, errors.New("is not the ID of a " + want)
	}
	return id, nil
}
