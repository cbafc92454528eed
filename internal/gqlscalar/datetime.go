package gqlscalar

import (
	"time"

	"civiclink/internal/apierr"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalDateTime writes t in RFC 3339 with nanoseconds, as gqlgen's Time does.
func MarshalDateTime(t time.Time) graphql.Marshaler { return graphql.MarshalTime(t) }

// UnmarshalDateTime reads an RFC 3339 instant.
func UnmarshalDateTime(v any) (time.Time, error) {
	t, err := graphql.UnmarshalTime(v)
	if err != nil {
		return time.Time{}, &apierr.InputError{Message: "a DateTime must be an RFC 3339 string like 2024-05-01T08:30:00Z"}
	}
	return t, nil
}
