package analytics

import (
	"context"

	"civiclink/db/store"
	"civiclink/internal/auth"
)

// DefaultMinCellSize is the smallest number of people a published cell may be about: the
// design's rule that analysts only ever see aggregates over at least five people.
const DefaultMinCellSize = 5

type minCellKey struct{}

// WithMinCellSize returns a context whose aggregates suppress cells about fewer than n
// people (0 turns suppression off). It is the one hook through which the authorization
// layer decides disclosure per role; until that layer exists nothing calls it, so every
// request gets DefaultMinCellSize.
func WithMinCellSize(ctx context.Context, n int) context.Context {
	return context.WithValue(ctx, minCellKey{}, n)
}

// MinCellSize is the disclosure policy of a request: cells of aggregates over people (cases,
// grid events, disputes, benefit grants, survey responses) about fewer people than this have
// their count and measures nulled and suppressed set. Risk items are not about people and are
// never suppressed; survey answers are always suppressed under DefaultMinCellSize respondents,
// whatever the policy says (Spec.MinPeople).
func MinCellSize(ctx context.Context) int {
	if n, ok := ctx.Value(minCellKey{}).(int); ok && n >= 0 {
		return n
	}
	return DefaultMinCellSize
}

// RowScope limits the rows that a request's aggregates cover: extra conditions over alias t
// of the spec's main table, or ok=false when the request may aggregate none of them.
type RowScope func(ctx context.Context, spec *Spec) (conds store.Conds, ok bool)

type rowScopeKey struct{}

// WithRowScope returns a context whose aggregates are limited by scope. It is the second hook
// of the authorization layer (with WithMinCellSize): an analyst aggregates every row, a
// police officer perhaps only the station's. Without it DefaultRowScope applies; cells about
// people are suppressed either way.
func WithRowScope(ctx context.Context, scope RowScope) context.Context {
	return context.WithValue(ctx, rowScopeKey{}, scope)
}

// rowScope returns the conditions of the request's row scope for spec: the installed
// RowScope, else DefaultRowScope.
func rowScope(ctx context.Context, spec *Spec) (store.Conds, bool) {
	if scope, ok := ctx.Value(rowScopeKey{}).(RowScope); ok && scope != nil {
		return scope(ctx, spec)
	}
	return DefaultRowScope(ctx, spec)
}

// DefaultRowScope lets every role of the design aggregate every row (analysts see only
// aggregates, which is what these are) and refuses all rows to a caller without
// credentials and to the auditor, who sees the access log only.
func DefaultRowScope(ctx context.Context, _ *Spec) (store.Conds, bool) {
	switch auth.FromContext(ctx).Role {
	case auth.Anonymous.Role, auth.Auditor:
		return nil, false
	}
	return nil, true
}

// statementContext is the context the aggregate statement itself runs in. PostgreSQL
// row-level security cannot tell an aggregate from a row read and would show an analyst no
// row, so the statement reads as the hub itself (auth.System) once the request's rights
// have been applied in Go: its row scope chose the rows, and every cell about fewer people
// than its MinCellSize is suppressed before anything leaves Run. Nothing else runs in this
// context; the group's keys (grids, stations …) are resolved as the caller.
func statementContext(ctx context.Context) context.Context {
	return auth.WithPrincipal(ctx, auth.Principal{Subject: auth.FromContext(ctx).Subject, Role: auth.System})
}
