package resolvers

import (
	"context"

	"civiclink/db/store"
	"civiclink/db/workflow"
	"civiclink/internal/access"
	"civiclink/internal/auth"
	"civiclink/internal/globalid"
	"civiclink/internal/validate"
)

// pk decodes the global ID in input field to a primary key of GraphQL type typ.
func pk(field, typ, id string) (int64, error) {
	n, err := globalid.DecodeAs(id, typ)
	if err != nil {
		return 0, validate.Field(field, "%v", err)
	}
	return n, nil
}

// optPK decodes an optional global ID.
func optPK(field, typ string, id *string) (*int64, error) {
	if id == nil {
		return nil, nil
	}
	n, err := pk(field, typ, *id)
	return &n, err
}

// row reads one row by primary key, after a mutation committed.
func row[T any](ctx context.Context, db store.Querier, table *store.Table[T], id int64) (*T, error) {
	return table.Get(ctx, db, store.Conds{store.Eq("id", id)})
}

// command checks that the caller's role may run op, then runs a domain command with its typed
// input in as one transaction (workflow.Exec: a retry under the same idempotency key returns
// the first result). raw is the GraphQL input, which the key's request hash covers.
func command[I, R any](ctx context.Context, r *mutationResolver, op string, key *string, raw any, cmd workflow.Command[I, R], in I) (R, error) {
	if err := access.MayMutate(auth.FromContext(ctx), op); err != nil {
		var zero R
		return zero, err
	}
	return workflow.Exec(ctx, r.mutations(), op, key, raw, cmd, in)
}
