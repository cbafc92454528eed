package gqlscalar

import (
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// inputError is a malformed scalar value; it reaches clients as BAD_USER_INPUT.
type inputError struct{ msg string }

func (e *inputError) Error() string { return e.msg }

// ErrorCode is the GraphQL extensions.code of a malformed scalar.
func (e *inputError) ErrorCode() string { return "BAD_USER_INPUT" }

// MarshalDateTime writes t in RFC 3339 with nanoseconds, as gqlgen's Time does.
func MarshalDateTime(t time.Time) graphql.Marshaler { return graphql.MarshalTime(t) }

// UnmarshalDateTime reads an RFC 3339 instant.
func UnmarshalDateTime(v any) (time.Time, error) {
	t, err := graphql.UnmarshalTime(v)
	if err != nil {
		return time.Time{}, &inputError{msg: "a DateTime must be an RFC 3339 string like 2024-05-01T08:30:00Z"}
	}
	return t, nil
}
