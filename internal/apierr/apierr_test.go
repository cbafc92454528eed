package apierr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"syscall"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestPresenterDatabaseErrors: errors from the database reach clients as a clear code and a
// safe message, never as SQL text.
func TestPresenterDatabaseErrors(t *testing.T) {
	present := Presenter(slog.New(slog.DiscardHandler))
	tests := []struct {
		name     string
		err      error
		wantCode string
	}{
		{"statement timeout", &pgconn.PgError{Code: "57014", Message: "canceling statement due to statement timeout"}, Timeout},
		{"request deadline", fmt.Errorf("load cases: %w", context.DeadlineExceeded), Timeout},
		{"server shutting down", &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}, Unavailable},
		{"server starting up", &pgconn.PgError{Code: "57P03", Message: "the database system is starting up"}, Unavailable},
		{"connection failure", &pgconn.PgError{Code: "08006", Message: "connection failure"}, Unavailable},
		{"connection refused", fmt.Errorf("acquire: %w", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}), Unavailable},
		{"NUL in text", &pgconn.PgError{Code: "22021", Message: "invalid byte sequence for encoding \"UTF8\": 0x00"}, BadUserInput},
		{"unique violation", &pgconn.PgError{Code: "23505", Message: "duplicate key value violates unique constraint \"case_pkey\""}, Internal},
		{"anything else", errors.New("SELECT secret FROM x failed"), Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter, nil)
			got := present(ctx, tt.err)
			if code := got.Extensions["code"]; code != tt.wantCode {
				t.Errorf("code %v, want %s (message %q)", code, tt.wantCode, got.Message)
			}
			for _, leak := range []string{"SELECT", "constraint", "0x00", "administrator", "refused"} {
				if strings.Contains(got.Message, leak) {
					t.Errorf("message %q leaks %q", got.Message, leak)
				}
			}
		})
	}
}
