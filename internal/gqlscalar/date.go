// Package gqlscalar marshals the API's custom scalars: Date, a calendar day carried in Go as
// a time.Time at midnight UTC, and DateTime, an RFC 3339 instant; malformed values are
// BAD_USER_INPUT.
package gqlscalar

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"civiclink/internal/apierr"

	"github.com/99designs/gqlgen/graphql"
)

// DateLayout is the wire form of a Date.
const DateLayout = "2006-01-02"

// MarshalDate writes t as YYYY-MM-DD.
func MarshalDate(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.Format(DateLayout)))
	})
}

// UnmarshalDate reads a YYYY-MM-DD string.
func UnmarshalDate(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, &apierr.InputError{Message: "a Date must be a string like 2024-05-01"}
	}
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return time.Time{}, &apierr.InputError{Message: fmt.Sprintf("%q is not a Date like 2024-05-01", s)}
	}
	return t, nil
}
