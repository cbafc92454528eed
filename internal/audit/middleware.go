package audit

import (
	"context"
	"log/slog"
	"time"

	"civiclink/internal/auth"
	"civiclink/internal/privacy"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Responses returns a gqlgen response middleware that gives each response a ledger and,
// when the response showed personal data in clear, appends an access-log row before the
// response leaves. If the row cannot be written, the data is withheld.
func Responses(l *Log, logger *slog.Logger) graphql.ResponseMiddleware {
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		ctx, ledger := privacy.WithLedger(ctx)
		resp := next(ctx)
		shown := ledger.Entities()
		if len(shown) == 0 || resp == nil {
			return resp
		}
		p := auth.FromContext(ctx)
		e := Entry{At: time.Now(), Subject: p.Subject, Role: p.Role, Purpose: p.Purpose, EntityIDs: shown}
		if graphql.HasOperationContext(ctx) {
			oc := graphql.GetOperationContext(ctx)
			e.Operation, e.DocumentHash = oc.OperationName, DocumentHash(oc.RawQuery)
			if e.Operation == "" && oc.Operation != nil {
				e.Operation = oc.Operation.Name
			}
		}
		if err := l.Append(context.WithoutCancel(ctx), e); err != nil {
			logger.ErrorContext(ctx, "access log", "err", err)
			return &graphql.Response{Errors: gqlerror.List{{
				Message:    "personal data withheld: the access could not be logged",
				Extensions: map[string]any{"code": "INTERNAL"},
			}}}
		}
		return resp
	}
}
