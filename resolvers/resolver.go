// Package resolvers holds the thin GraphQL resolvers: each turns its arguments into a store
// read or a batched relation load from the db packages and returns the rows. The shared
// shapes (root lists, child connections, lookups by number) live in list.go.
package resolvers

import (
	"log/slog"

	"civiclink/db/workflow"
	"civiclink/internal/events"
	"civiclink/internal/pii"

	"civiclink/internal/dbpool"
)

// Resolver is the root resolver; it holds the request-independent dependencies.
type Resolver struct {
	// DB is the pool that root lists and lookups read through.
	DB *dbpool.Pool
	// Keys decrypt identity numbers for display (masked or not).
	Keys *pii.Keys
	// Logger receives resolver diagnostics.
	Logger *slog.Logger
	// Events delivers workflow events to subscriptions; nil disables them.
	Events *events.Broker
}

// mutations returns the runner that executes each mutation in one transaction.
func (r *Resolver) mutations() *workflow.Runner { return &workflow.Runner{Pool: r.DB} }
