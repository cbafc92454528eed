package store

import (
	"errors"
	"sync/atomic"

	"civiclink/internal/apierr"
)

// ErrRefNotLoaded reports a Ref read before the level load that fills it ran: a resolver
// returned rows to GraphQL without loading what the query selects below them.
var ErrRefNotLoaded = errors.New("store: reference not loaded with its row's level")

// Ref is a reference from one row to another that is filled when the row's level is loaded
// (resolvers/prefetch.go follows it for every row of a level in one statement), so that
// GraphQL reads it through a context-free method, as a plain field: no resolver goroutine,
// no field context of its own. It is safe for concurrent use; a row reached by two paths of
// one request is filled with the same target twice.
type Ref[T any] struct {
	target atomic.Pointer[T]
	loaded atomic.Bool
}

// Set records the target; nil records that it does not exist or is not visible.
func (r *Ref[T]) Set(v *T) {
	r.target.Store(v)
	r.loaded.Store(true)
}

// Get returns the target: apierr.ErrNotFound when it was looked up and is not visible, and
// ErrRefNotLoaded when no level load filled it.
func (r *Ref[T]) Get() (*T, error) {
	if !r.loaded.Load() {
		return nil, ErrRefNotLoaded
	}
	if v := r.target.Load(); v != nil {
		return v, nil
	}
	return nil, apierr.ErrNotFound
}

// Loaded returns the target as an untyped value, for readers that know T only at run time
// (internal/fastpath, which reads a Ref in place of the method returning its Get, such as
// BenefitGrant.Program for ProgramRef): false when no level load filled it, nil when the
// target does not exist or is not visible.
func (r *Ref[T]) Loaded() (any, bool) {
	if !r.loaded.Load() {
		return nil, false
	}
	if v := r.target.Load(); v != nil {
		return v, true
	}
	return nil, true
}
