package resolvers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"civiclink/db/store"
	"civiclink/db/workflow"
	"civiclink/internal/access"
	"civiclink/internal/auth"
	"civiclink/internal/globalid"
	"civiclink/internal/validate"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
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

// advance is one status change through a lifecycle.
type advance struct {
	op      string
	lc      *workflow.Lifecycle
	typ     string      // GraphQL type of the entity
	rule    access.Rule // who may see, and so change, the entity
	field   string      // input field holding its ID
	id      string
	version int
	to      string
	reason  *string
	key     *string
	input   any
	sets    []workflow.Set
	// validate checks inputs the target status requires, once the step is known to be legal.
	validate func() error
	// after runs inside the transaction once the status changed (events, side effects).
	after func(ctx context.Context, tx pgx.Tx, id int64, from string) (workflow.Result, error)
}

// advance carries out a status change and returns the rows it touched; the entity itself is
// named after its type ("case", "gridEvent", …).
func (r *mutationResolver) advance(ctx context.Context, a advance) (workflow.Result, error) {
	id, err := pk(a.field, a.typ, a.id)
	if err != nil {
		return nil, err
	}
	var v validate.V
	v.OptText("reason", a.reason, 2000)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return r.run(ctx, a.op, a.key, a.input, func(ctx context.Context, tx pgx.Tx) (workflow.Result, error) {
		if err := access.InScope(ctx, tx, a.field, a.lc.Table, a.rule, id); err != nil {
			return nil, err
		}
		from, err := a.lc.Transition(ctx, tx, workflow.Change{ID: id, Version: a.version, To: a.to, Actor: workflow.Actor(ctx), Reason: a.reason, Sets: a.sets, Validate: a.validate})
		if err != nil {
			return nil, err
		}
		res := workflow.Result{lowerFirst(a.typ): id}
		if a.after != nil {
			more, err := a.after(ctx, tx, id, from)
			if err != nil {
				return nil, err
			}
			for k, v := range more {
				res[k] = v
			}
		}
		return res, nil
	})
}

// constraintError turns a constraint violation that validation did not foresee into a
// client error without naming the constraint.
func constraintError(err error, field, msg string) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "23505" || pgErr.Code == "23514" || pgErr.Code == "23503") {
		return validate.Field(field, "%s", msg)
	}
	return err
}

// lowerFirst turns a GraphQL type name into a result name: GridEvent → gridEvent.
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// need reads the row a mutation's result names; its absence is a programming error.
func need[T any](ctx context.Context, db store.Querier, table *store.Table[T], res workflow.Result, name string) (*T, error) {
	id, ok := res[name]
	if !ok {
		return nil, fmt.Errorf("mutation result has no %q", name)
	}
	return row(ctx, db, table, id)
}

// respond turns a command's result into its payload, reading the changed rows afresh.
func respond[P any](ctx context.Context, db store.Querier, res workflow.Result, err error, build func(ctx context.Context, db store.Querier, res workflow.Result) (*P, error)) (*P, error) {
	if err != nil {
		return nil, err
	}
	return build(ctx, db, res)
}

// run checks that the caller's role may run op, then runs fn as one transaction.
func (r *mutationResolver) run(ctx context.Context, op string, key *string, input any, fn func(ctx context.Context, tx pgx.Tx) (workflow.Result, error)) (workflow.Result, error) {
	if err := access.MayMutate(auth.FromContext(ctx), op); err != nil {
		return nil, err
	}
	return r.mutations().Run(ctx, op, key, input, fn)
}

// command checks that the caller's role may run op, then runs a domain command with its typed
// input in as one transaction (workflow.Do: a retry under the same idempotency key returns the
// first result). raw is the GraphQL input, which the key's request hash covers.
func command[I, R any](ctx context.Context, r *mutationResolver, op string, key *string, raw any, cmd func(context.Context, pgx.Tx, I) (R, error), in I) (R, error) {
	if err := access.MayMutate(auth.FromContext(ctx), op); err != nil {
		var zero R
		return zero, err
	}
	return workflow.Do(ctx, r.mutations(), op, key, raw, func(ctx context.Context, tx pgx.Tx) (R, error) { return cmd(ctx, tx, in) })
}

// inScope refuses work on a row the caller may not see.
func inScope(ctx context.Context, tx pgx.Tx, field, table string, rule access.Rule, id *int64) error {
	if id == nil {
		return nil
	}
	return access.InScope(ctx, tx, field, table, rule, *id)
}

// ownGrid refuses a grid worker's work outside their grids.
func ownGrid(ctx context.Context, field string, grid int64) error {
	p := auth.FromContext(ctx)
	if p.Role == auth.GridWorker && !slices.Contains(p.Scope.GridIDs, grid) {
		return &access.ForbiddenError{Message: field + ": outside your grids"}
	}
	return nil
}
