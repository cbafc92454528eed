package apierr

import (
	"errors"
	"strings"
)

// ErrNotFound is the one sentinel for "no such row, or not one the caller may see": stores,
// loaders and lifecycles return it (wrapped as they like), and the presenter answers it
// with NOT_FOUND. Typed not-found errors that name a field match it with errors.Is.
var ErrNotFound = errors.New("not found")

// Problem is one invalid input field.
type Problem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// InputError is the one error type of client input at fault (BAD_USER_INPUT): a bad field
// value, cursor, page size or filter. Its message is safe to show. Problems, when set, lists
// every field at fault (package validate collects them); otherwise Field and Message say
// what is wrong, Field empty when the input as a whole is.
type InputError struct {
	Field    string
	Message  string
	Problems []Problem
}

func (e *InputError) Error() string {
	if len(e.Problems) > 0 {
		parts := make([]string, len(e.Problems))
		for i, p := range e.Problems {
			parts[i] = p.Field + ": " + p.Message
		}
		return strings.Join(parts, "; ")
	}
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// ErrorCode implements DomainError.
func (e *InputError) ErrorCode() string { return BadUserInput }

// ErrorExtensions names the first field at fault and lists every problem.
func (e *InputError) ErrorExtensions() map[string]any {
	problems := e.Problems
	if len(problems) == 0 {
		if e.Field == "" {
			return nil
		}
		problems = []Problem{{Field: e.Field, Message: e.Message}}
	}
	return map[string]any{"field": problems[0].Field, "problems": problems}
}
