// Package validate checks mutation inputs field by field and reports every problem as one
// BAD_USER_INPUT error that names the first field at fault and lists them all.
package validate

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"civiclink/internal/apierr"
)

// Problem is one invalid field.
type Problem = apierr.Problem

// Error is the result of a failed validation: the API's one input error type, naming the
// first field at fault and listing every problem.
type Error = apierr.InputError

// Field returns a validation error for one field.
func Field(field, format string, args ...any) *Error {
	return &Error{Problems: []Problem{{Field: field, Message: fmt.Sprintf(format, args...)}}}
}

// V collects problems.
type V struct {
	problems []Problem
}

// Add records a problem with field.
func (v *V) Add(field, format string, args ...any) {
	v.problems = append(v.problems, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Check records msg for field unless ok.
func (v *V) Check(ok bool, field, msg string) {
	if !ok {
		v.Add(field, "%s", msg)
	}
}

// Text checks that s has between lo and hi characters (after trimming spaces).
func (v *V) Text(field, s string, lo, hi int) {
	n := utf8.RuneCountInString(strings.TrimSpace(s))
	switch {
	case n < lo && lo == 1:
		v.Add(field, "must not be empty")
	case n < lo:
		v.Add(field, "must have at least %d characters", lo)
	case utf8.RuneCountInString(s) > hi:
		v.Add(field, "must have at most %d characters", hi)
	}
}

// OptText checks an optional text of at most hi characters.
func (v *V) OptText(field string, s *string, hi int) {
	if s != nil {
		v.Text(field, *s, 0, hi)
	}
}

// Range checks lo <= n <= hi.
func (v *V) Range(field string, n, lo, hi int) {
	if n < lo || n > hi {
		v.Add(field, "must be between %d and %d", lo, hi)
	}
}

// OptRange checks an optional number.
func (v *V) OptRange(field string, n *int, lo, hi int) {
	if n != nil {
		v.Range(field, *n, lo, hi)
	}
}

// NotBefore checks that t is not before ref (named refName in the message).
func (v *V) NotBefore(field string, t, ref time.Time, refName string) {
	if t.Before(ref) {
		v.Add(field, "must not be before %s", refName)
	}
}

// NotFuture checks that t is not after now (with a minute's leeway for clock skew).
func (v *V) NotFuture(field string, t, now time.Time) {
	if t.After(now.Add(time.Minute)) {
		v.Add(field, "must not be in the future")
	}
}

// Err returns the collected problems as an *Error, or nil.
func (v *V) Err() error {
	if len(v.problems) == 0 {
		return nil
	}
	return &Error{Problems: v.problems}
}
