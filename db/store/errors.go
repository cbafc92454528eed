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
