// Package apierr turns every error a resolver returns into a client-facing GraphQL error with
// an extensions.code. Known errors keep a safe message; anything else is logged in full and
// reaches the client only as "internal error", so no SQL, constraint name or path leaks.
package apierr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/puddle/v2"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Error codes carried in extensions.code.
const (
	BadUserInput      = "BAD_USER_INPUT"
	NotFound          = "NOT_FOUND"
	Forbidden         = "FORBIDDEN"
	Unauthenticated   = "UNAUTHENTICATED"
	Conflict          = "CONFLICT"
	InvalidTransition = "INVALID_TRANSITION"
	QueryTooComplex   = "QUERY_TOO_COMPLEX"
	RateLimited       = "RATE_LIMITED"
	Internal          = "INTERNAL"
	// BadRequest: the HTTP request is not a well-formed GraphQL request (body, method,
	// content type, parameters).
	BadRequest = "BAD_REQUEST"
	// PersistedQueryNotFound: the hash of extensions.persistedQuery is not known; an
	// automatic-persisted-query client then resends the request with the query.
	PersistedQueryNotFound = "PERSISTED_QUERY_NOT_FOUND"
	// PersistedQueryNotAllowed: the hub accepts only registered operations, and this one
	// is not registered.
	PersistedQueryNotAllowed = "PERSISTED_QUERY_NOT_ALLOWED"
	// Unavailable: the database cannot be reached right now; retry later.
	Unavailable = "SERVICE_UNAVAILABLE"
	// Timeout: the request or one of its SQL statements ran out of time.
	Timeout            = "TIMEOUT"
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

// ErrorCode implements DomainError.
func (e *Coded) ErrorCode() string { return e.Code }

// ErrorExtensions adds the error's extensions.
func (e *Coded) ErrorExtensions() map[string]any { return e.Extensions }

// New returns a client-safe error with code.
func New(code, format string, args ...any) *Coded {
	return &Coded{Code: code, Message: fmt.Sprintf(format, args...)}
}

// BadInput reports a problem with one input field.
func BadInput(field, format string, args ...any) *InputError {
	return &InputError{Field: field, Message: fmt.Sprintf(format, args...)}
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
			domain DomainError
			gerr   *gqlerror.Error
		)
		switch {
		case errors.As(err, &domain):
			gqlErr.Message = domain.Error()
			setCode(gqlErr, domain.ErrorCode())
			if ext, ok := domain.(interface{ ErrorExtensions() map[string]any }); ok {
				for k, v := range ext.ErrorExtensions() {
					gqlErr.Extensions[k] = v
				}
			}
		case errors.Is(err, ErrNotFound):
			gqlErr.Message = "not found"
			setCode(gqlErr, NotFound)
		case errors.Is(err, context.DeadlineExceeded) || isStatementTimeout(err):
			gqlErr.Message = "the request took too long"
			setCode(gqlErr, Timeout)
			logger.WarnContext(ctx, "request deadline exceeded", "path", gqlErr.Path.String(), "err", err)
		case isDataException(err):
			// The database refused a value (a NUL byte in text, an out-of-range number …):
			// the client's input, not a server fault.
			gqlErr.Message = "a value in the request cannot be stored or compared by the database"
			setCode(gqlErr, BadUserInput)
			logger.InfoContext(ctx, "database refused a value", "path", gqlErr.Path.String(), "err", err)
		case IsUnavailable(err):
			gqlErr.Message = "the database is unavailable; retry later"
			setCode(gqlErr, Unavailable)
			logger.WarnContext(ctx, "database unavailable", "path", gqlErr.Path.String(), "err", err)
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
		gqlErr.Message = clip(gqlErr.Message)
		return gqlErr
	}
}

// MaxMessage is the longest error message sent, in bytes: a message naming a value of the
// request (a 900 KB grid code not found) is cut there, so errors never echo a request back.
const MaxMessage = 512

// clip cuts msg to MaxMessage bytes, on a rune boundary, marking the cut.
func clip(msg string) string {
	if len(msg) <= MaxMessage {
		return msg
	}
	cut := MaxMessage
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + "…"
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

// Recover turns a resolver panic into an internal error, logging the panic.
func Recover(logger *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		logger.ErrorContext(ctx, "resolver panic", "panic", p, "stack", string(debug.Stack()))
		return &Coded{Code: Internal, Message: "internal error"}
	}
}

// IsUnavailable reports whether err means the database could not be reached or dropped the
// connection, deciding by the error's type and code only: a PostgreSQL error of SQLSTATE
// class 08 (connection exception) or 57P (shutting down, starting up), a failed connect, a
// network error, a connection or pool pgx has closed, or an error pgx says happened before
// anything was sent.
func IsUnavailable(err error) bool {
	var (
		connect *pgconn.ConnectError
		pg      *pgconn.PgError
		op      *net.OpError
	)
	switch {
	case err == nil:
		return false
	case errors.As(err, &pg):
		return strings.HasPrefix(pg.Code, "08") || strings.HasPrefix(pg.Code, "57P")
	case errors.As(err, &connect), errors.As(err, &op), pgconn.SafeToRetry(err):
		return true
	}
	for _, target := range []error{pgconn.ErrConnClosed, puddle.ErrClosedPool, net.ErrClosed,
		syscall.ECONNREFUSED, syscall.ECONNRESET, io.ErrUnexpectedEOF, io.EOF} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// isStatementTimeout reports whether PostgreSQL cancelled a statement (SQLSTATE 57014:
// statement_timeout or a cancel request).
func isStatementTimeout(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "57014"
}

// isDataException reports whether PostgreSQL refused a value (SQLSTATE class 22).
func isDataException(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && strings.HasPrefix(pg.Code, "22")
}
