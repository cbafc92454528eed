package apierr_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"civiclink/db/store"
	"civiclink/db/workflow"
	"civiclink/internal/apierr"
	"civiclink/internal/gqlscalar"
	"civiclink/internal/validate"

	"github.com/99designs/gqlgen/graphql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/puddle/v2"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// TestOneInputErrorType: every package that refuses client input does so with the one
// *apierr.InputError, which the presenter answers as BAD_USER_INPUT naming the field.
func TestOneInputErrorType(t *testing.T) {
	_, scalar := gqlscalar.UnmarshalDate("yesterday")
	var v validate.V
	v.Add("summary", "must not be empty")
	for _, tt := range []struct {
		name  string
		err   error
		field string // "" = none expected
	}{
		{"store", fmt.Errorf("page: %w", &store.InputError{Field: "first", Message: "first must not be negative"}), "first"},
		{"validate.Field", validate.Field("doneOn", "must not be in the future"), "doneOn"},
		{"validate.V", v.Err(), "summary"},
		{"apierr.BadInput", apierr.BadInput("ids", "at most %d IDs at once", 100), "ids"},
		{"scalar", scalar, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var in *apierr.InputError
			if !errors.As(tt.err, &in) {
				t.Fatalf("%T (%v) is not an *apierr.InputError", tt.err, tt.err)
			}
			got := present(tt.err)
			if got.Extensions["code"] != apierr.BadUserInput || got.Message != in.Error() {
				t.Errorf("presented as %v %q, want BAD_USER_INPUT %q", got.Extensions["code"], got.Message, in.Error())
			}
			if f, _ := got.Extensions["field"].(string); f != tt.field {
				t.Errorf("extensions.field = %q, want %q", f, tt.field)
			}
		})
	}
}

// TestOneNotFoundSentinel: rows a store or lifecycle does not find and the typed error naming
// the input field all match apierr.ErrNotFound and are answered with NOT_FOUND.
func TestOneNotFoundSentinel(t *testing.T) {
	for _, err := range []error{
		fmt.Errorf("load case 7: %w", apierr.ErrNotFound),
		&workflow.NotFoundError{Field: "caseId", What: "case"},
	} {
		if !errors.Is(err, apierr.ErrNotFound) {
			t.Errorf("%T %v does not match apierr.ErrNotFound", err, err)
		}
		if got := present(err); got.Extensions["code"] != apierr.NotFound {
			t.Errorf("%v presented with code %v, want NOT_FOUND", err, got.Extensions["code"])
		}
	}
}

// TestIsUnavailableByType: a lost database is recognised by the error's type or code, and an
// error that merely says so in its text is not.
func TestIsUnavailableByType(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want bool
	}{
		{"pgx closed the connection", fmt.Errorf("query: %w", pgconn.ErrConnClosed), true},
		{"closed pool", fmt.Errorf("acquire: %w", puddle.ErrClosedPool), true},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, true},
		{"text says conn closed", errors.New("the reviewer's conn closed the case"), false},
		{"text says closed pool", errors.New("a closed pool of candidates"), false},
		{"unique violation", &pgconn.PgError{Code: "23505", Message: "conn closed"}, false},
	} {
		if got := apierr.IsUnavailable(tt.err); got != tt.want {
			t.Errorf("%s: IsUnavailable(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}

// present runs err through the API's error presenter.
func present(err error) *gqlerror.Error {
	ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter, nil)
	return apierr.Presenter(slog.New(slog.DiscardHandler))(ctx, err)
}
