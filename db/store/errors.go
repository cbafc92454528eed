package store

import "errors"

// ErrNotFound reports that no row matched.
var ErrNotFound = errors.New("not found")

// InputError is a problem with client input (a bad cursor or page size). Its message is safe
// to show to the client.
type InputError struct {
	Field   string
	Message string
}

func (e *InputError) Error() string { return e.Field + ": " + e.Message }

// ErrorCode is the GraphQL extensions.code of an input error.
func (e *InputError) ErrorCode() string { return "BAD_USER_INPUT" }

// ErrorExtensions names the field.
func (e *InputError) ErrorExtensions() map[string]any { return map[string]any{"field": e.Field} }
