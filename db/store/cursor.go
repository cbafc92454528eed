package store

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// cursor is the keyset position of one row: the values of the order columns, tagged with
// the ordering they belong to so that a cursor is never applied to another ordering.
type cursor struct {
	Order  string   `json:"o"`
	Values []string `json:"v"`
}

const cursorPrefix = "c1:"

func encodeCursor(order string, values []string) string {
	b, _ := json.Marshal(cursor{Order: order, Values: values}) // strings always marshal
	return base64.RawURLEncoding.EncodeToString(append([]byte(cursorPrefix), b...))
}

var errBadCursor = errors.New("is not a valid cursor")

func decodeCursor(s, order string, n int) (*cursor, error) {
	if len(s) > 4096 {
		return nil, errBadCursor
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(raw) < len(cursorPrefix) || string(raw[:len(cursorPrefix)]) != cursorPrefix {
		return nil, errBadCursor
	}
	var c cursor
	if err := json.Unmarshal(raw[len(cursorPrefix):], &c); err != nil || len(c.Values) != n {
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
