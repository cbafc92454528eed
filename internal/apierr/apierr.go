// Package apierr turns every error a resolver returns into a client-facing GraphQL error with
// an extensions.code. Known errors keep a safe message; anything else is logged in full and
// reaches the client only as "internal error", so no SQL, constraint name or path leaks.
package apierr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"civiclink/db/store"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Error codes carried in extensions.code.
const (
	BadUserInput       = "BAD_USER_INPUT"
	NotFound           = "NOT_FOUND"
	Forbidden          = "FORBIDDEN"
	Unauthenticated    = "UNAUTHENTICATED"
	Conflict           = "CONFLICT"
	InvalidTransition  = "INVALID_TRANSITION"
	QueryTooComplex    = "QUERY_TOO_COMPLEX"
	RateLimited        = "RATE_LIMITED"
	Internal           = "INTERNAL"
	graphqlParseFailed = "GRAPHQL_PARSE_FAILED"
	graphqlValidation  = "GRAPHQL_VALIDATION_FAILED"
	complexityExceeded = "COMPLEXITY_LIMIT_EXCEEDED"
)

// DomainError is implemented by errors of the domain packages that know their client-facing
// code; their message is safe to show. ErrorExtensions, when present, adds extensions.
type DomainError interface {
	error
	ErrorCode() string
}

// Coded is an error whose message is safe for clients, with its code and extra extensions.
type Coded struct {
	Code       string
	Message    string
	Extensions map[string]any
}

func (e *Coded) Error() string { return e.Message }

// New returns a client-safe error with code.
func New(code, format string, args ...any) *Coded {
	return &Coded{Code: code, Message: fmt.Sprintf(format, args...)}
}

// BadInput reports a problem with one input field.
func BadInput(field, format string, args ...any) *Coded {
	return &Coded{Code: BadUserInput, Message: field + ": " + fmt.Sprintf(format, args...), Extensions: map[string]any{"field": field}}
}

// NotFoundError reports that the named thing does not exist or is not visible.
func NotFoundError(what string) *Coded {
	return &Coded{Code: NotFound, Message: what + " not found"}
}

// Presenter returns the one error presenter of the API.
func Presenter(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		var (
			coded  *Coded
			domain DomainError
			input  *store.InputError
			gerr   *gqlerror.Error
		)
		switch {
		case errors.As(err, &coded):
			gqlErr.Message = coded.Message
			setCode(gqlErr, coded.Code)
			for k, v := range coded.Extensions {
				gqlErr.Extensions[k] = v
			}
		case errors.As(err, &domain):
			gqlErr.Message = domain.Error()
			setCode(gqlErr, domain.ErrorCode())
			if ext, ok := domain.(interface{ ErrorExtensions() map[string]any }); ok {
				for k, v := range ext.ErrorExtensions() {
					gqlErr.Extensions[k] = v
				}
			}
		case errors.As(err, &input):
			gqlErr.Message = input.Error()
			setCode(gqlErr, BadUserInput)
			gqlErr.Extensions["field"] = input.Field
		case errors.Is(err, store.ErrNotFound):
			gqlErr.Message = "not found"
			setCode(gqlErr, NotFound)
		case errors.Is(err, context.DeadlineExceeded):
			gqlErr.Message = "the request took too long"
			setCode(gqlErr, Internal)
			logger.WarnContext(ctx, "request deadline exceeded", "path", gqlErr.Path.String(), "err", err)
		case errors.As(err, &gerr) && gerr.Extensions["code"] != nil:
			// gqlgen's own errors: parse, validation, variable coercion, limits.
			normalise(gqlErr)
		case errors.As(err, &gerr) && gerr.Err == nil && gerr.Rule != "":
			setCode(gqlErr, BadUserInput)
		default:
			logger.ErrorContext(ctx, "internal error", "path", gqlErr.Path.String(), "err", err)
			gqlErr.Message = "internal error"
			setCode(gqlErr, Internal)
		}
		return gqlErr
	}
}

// normalise maps gqlgen's parse and validation codes to BAD_USER_INPUT, keeping the
// original as extensions.reason.
func normalise(e *gqlerror.Error) {
	code, _ := e.Extensions["code"].(string)
	switch code {
	case graphqlParseFailed, graphqlValidation:
		e.Extensions["reason"] = code
		e.Extensions["code"] = BadUserInput
	case complexityExceeded:
		e.Extensions["limit"] = "complexity"
		e.Extensions["code"] = QueryTooComplex
	}
}

func setCode(e *gqlerror.Error, code string) {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions["code"] = code
}

// NormaliseList applies the same code mapping to errors that bypass the presenter
// (parse and validation errors reported before execution).
func NormaliseList(list gqlerror.List) {
	for _, e := range list {
		if e.Extensions == nil {
			e.Extensions = map[string]any{}
		}
		if _, ok := e.Extensions["code"]; !ok {
			e.Extensions["code"] = BadUserInput
			continue
		}
		normalise(e)
	}
}

// Recover turns a resolver panic into an internal error, logging the panic.
func Recover(logger *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		logger.ErrorContext(ctx, "resolver panic", "panic", p)
		return &Coded{Code: Internal, Message: "internal error"}
	}
}
