// Package loaders batches the reads behind GraphQL fields. A Registry is made per request (in
// one HTTP middleware) and holds one dataloadgen loader per relation, created on first use, so
// that a nested query costs a number of statements bounded by its depth, not by its rows.
// Relations are declared once, next to their tables, with ByID, Children and ChildPages.
package loaders

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"civiclink/db/store"
	"civiclink/internal/apierr"

	"github.com/vikstrous/dataloadgen"
)

// DefaultWait is how long a loader collects keys before it runs its batch. Under CPU
// contention the goroutines of one level of a query reach their loaders later; a shorter
// window then splits a level into several statements (measured: 2 ms gave a median of 34
// statements per referred-disputes request at concurrency 16 against 11 alone; 5 ms, 26).
const DefaultWait = 5 * time.Millisecond

// BatchCapacity is the most keys one batch statement carries.
const BatchCapacity = 1000

// Registry holds the loaders of one request.
type Registry struct {
	db      store.Querier
	wait    time.Duration
	mu      sync.Mutex
	loaders map[any]any
}

// NewRegistry returns an empty registry reading through db, whose loaders collect keys for
// wait before each batch (0 = DefaultWait).
func NewRegistry(db store.Querier, wait time.Duration) *Registry {
	if wait <= 0 {
		wait = DefaultWait
	}
	return &Registry{db: db, wait: wait, loaders: map[any]any{}}
}

type registryKey struct{}

// WithRegistry returns ctx carrying r.
func WithRegistry(ctx context.Context, r *Registry) context.Context {
	return context.WithValue(ctx, registryKey{}, r)
}

// FromContext returns the request's registry; it panics when the middleware did not install
// one, which is a wiring error.
func FromContext(ctx context.Context) *Registry {
	r, ok := ctx.Value(registryKey{}).(*Registry)
	if !ok {
		panic("loaders: no registry in context")
	}
	return r
}

// DB returns the querier of the request's registry.
func DB(ctx context.Context) store.Querier { return FromContext(ctx).db }

// batchObserver, when set, is told the number of keys of every batch (for metrics).
var batchObserver atomic.Pointer[func(int)]

// SetBatchObserver makes every loader report the size of each batch it runs to f.
func SetBatchObserver(f func(keys int)) { batchObserver.Store(&f) }

func loaderFor[K comparable, V any](ctx context.Context, rel any, fetch func(ctx context.Context, db store.Querier, keys []K) (map[K]V, error)) *dataloadgen.Loader[K, V] {
	r := FromContext(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	if l, ok := r.loaders[rel]; ok {
		return l.(*dataloadgen.Loader[K, V])
	}
	l := dataloadgen.NewMappedLoader(func(ctx context.Context, keys []K) (map[K]V, error) {
		if f := batchObserver.Load(); f != nil {
			(*f)(len(keys))
		}
		return fetch(ctx, r.db, keys)
	}, dataloadgen.WithWait(r.wait), dataloadgen.WithBatchCapacity(BatchCapacity))
	r.loaders[rel] = l
	return l
}

// ByIDRelation loads rows of one table by primary key.
type ByIDRelation[T any] struct {
	table *store.Table[T]
	id    func(*T) int64
}

// ByID declares a by-primary-key relation over table; id reads a row's key.
func ByID[T any](table *store.Table[T], id func(*T) int64) *ByIDRelation[T] {
	return &ByIDRelation[T]{table: table, id: id}
}

// Readable reports whether the request of ctx may see any row of the relation's table.
func (rel *ByIDRelation[T]) Readable(ctx context.Context) bool { return rel.table.Readable(ctx) }

// Load returns the row with primary key id, or apierr.ErrNotFound.
func (rel *ByIDRelation[T]) Load(ctx context.Context, id int64) (*T, error) {
	return rel.Thunk(ctx, id)()
}

// Thunk queues id for the next batch and returns a function that waits for its row; queue
// every key first, then wait, so that many keys share one statement.
func (rel *ByIDRelation[T]) Thunk(ctx context.Context, id int64) func() (*T, error) {
	if v, found, err := fromLevel[int64, *T](ctx, rel, id); err == nil {
		if !found {
			return func() (*T, error) { return nil, apierr.ErrNotFound }
		}
		return func() (*T, error) { return v, nil }
	}
	l := loaderFor(ctx, rel, func(ctx context.Context, db store.Querier, keys []int64) (map[int64]*T, error) {
		return rel.table.ByIDs(ctx, db, keys, rel.id)
	})
	th := l.LoadThunk(ctx, id)
	return func() (*T, error) {
		v, err := th()
		if errors.Is(err, dataloadgen.ErrNotFound) {
			return nil, apierr.ErrNotFound
		}
		return v, err
	}
}

// Fetch reads the rows with the given ids that this request has not read yet, all in one
// statement, and keeps them for later Loads; it returns the visible rows of every id asked.
func (rel *ByIDRelation[T]) Fetch(ctx context.Context, ids []int64) (map[int64]*T, error) {
	return fetchLevel(ctx, rel, ids, func(ctx context.Context, keys []int64) (map[int64]*T, error) {
		return rel.table.ByIDs(ctx, DB(ctx), keys, rel.id)
	})
}

// Known answers a Load of id from the rows a level fetch of this request read, without I/O
// and without waiting: the row (nil when it does not exist or is not visible) and true, or
// false when no level fetch covered id.
func (rel *ByIDRelation[T]) Known(ctx context.Context, id int64) (*T, bool) {
	v, found, err := fromLevel[int64, *T](ctx, rel, id)
	if err != nil || !found {
		return nil, err == nil
	}
	return v, true
}

// LoadOptional follows a nullable reference: nil when id is nil or the row is not visible.
func (rel *ByIDRelation[T]) LoadOptional(ctx context.Context, id *int64) (*T, error) {
	if id == nil {
		return nil, nil
	}
	v, err := rel.Load(ctx, *id)
	if errors.Is(err, apierr.ErrNotFound) {
		return nil, nil
	}
	return v, err
}

// ChildrenRelation loads small, bounded child lists by a foreign key.
type ChildrenRelation[T any] struct {
	table   *store.Table[T]
	column  string
	orderBy string
	key     func(*T) int64
}

// Children declares a child-list relation: rows of table whose column references the parent,
// ordered by orderBy (a trusted SQL fragment over alias t); key reads that column.
func Children[T any](table *store.Table[T], column, orderBy string, key func(*T) int64) *ChildrenRelation[T] {
	if !table.HasColumn(column) {
		panic(fmt.Sprintf("loaders: %s has no column %s", table.Name, column))
	}
	return &ChildrenRelation[T]{table: table, column: column, orderBy: orderBy, key: key}
}

// Load returns the children of parent (an empty list when there are none).
func (rel *ChildrenRelation[T]) Load(ctx context.Context, parent int64) ([]*T, error) {
	if v, found, err := fromLevel[int64, []*T](ctx, rel, parent); err == nil {
		if !found {
			return []*T{}, nil
		}
		return v, nil
	}
	l := loaderFor(ctx, rel, func(ctx context.Context, db store.Querier, keys []int64) (map[int64][]*T, error) {
		return rel.table.ByColumn(ctx, db, rel.column, keys, rel.orderBy, rel.key)
	})
	v, err := l.Load(ctx, parent)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return []*T{}, nil
	}
	return v, err
}

// Fetch reads the children of the parents that this request has not read yet, all in one
// statement, and keeps them for later Loads; it returns the children of every parent asked
// (parents without children are absent).
func (rel *ChildrenRelation[T]) Fetch(ctx context.Context, parents []int64) (map[int64][]*T, error) {
	return fetchLevel(ctx, rel, parents, func(ctx context.Context, keys []int64) (map[int64][]*T, error) {
		return rel.table.ByColumn(ctx, DB(ctx), rel.column, keys, rel.orderBy, rel.key)
	})
}

// Known answers a Load of parent from the rows a level fetch of this request read, without
// I/O and without waiting: the children (an empty list when there are none) and true, or
// false when no level fetch covered parent.
func (rel *ChildrenRelation[T]) Known(ctx context.Context, parent int64) ([]*T, bool) {
	v, found, err := fromLevel[int64, []*T](ctx, rel, parent)
	if err != nil {
		return nil, false
	}
	if !found {
		return []*T{}, true
	}
	return v, true
}

// LoadOne returns the single child of parent, or nil when there is none (a one-to-one link).
func (rel *ChildrenRelation[T]) LoadOne(ctx context.Context, parent int64) (*T, error) {
	list, err := rel.Load(ctx, parent)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return list[0], nil
}

// ChildPagesRelation loads a paginated child connection for many parents at once.
type ChildPagesRelation[T any] struct {
	table  *store.Table[T]
	column string
	counts *childCounts[T]
}

type childCounts[T any] struct{ parent *ChildPagesRelation[T] }

// ChildPages declares a paginated child relation: rows of table whose column references the
// parent.
func ChildPages[T any](table *store.Table[T], column string) *ChildPagesRelation[T] {
	if !table.HasColumn(column) {
		panic(fmt.Sprintf("loaders: %s has no column %s", table.Name, column))
	}
	rel := &ChildPagesRelation[T]{table: table, column: column}
	rel.counts = &childCounts[T]{parent: rel}
	return rel
}

// pageKey identifies one parent's page under one set of arguments.
type pageKey struct {
	Parent int64
	Args   string
}

// argsKey renders arguments canonically so identical sibling requests share a batch.
func argsKey(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("loaders: arguments key: %w", err)
	}
	return string(b), nil
}

type pageBatch[T any] struct {
	mu   sync.Mutex
	args map[string]store.PageArgs
}

// Load returns the page of parent's children selected by args: from the level registry when
// FetchPages read it, otherwise through the relation's dataloader.
func (rel *ChildPagesRelation[T]) Load(ctx context.Context, parent int64, args store.PageArgs) (*store.Page[T], error) {
	key, err := argsKey(args)
	if err != nil {
		return nil, err
	}
	if v, found, err := fromLevel[pageKey, *store.Page[T]](ctx, rel, pageKey{Parent: parent, Args: key}); err == nil && found {
		return v, nil
	}
	batch := rel.batch(ctx)
	batch.mu.Lock()
	batch.args[key] = args
	batch.mu.Unlock()
	l := loaderFor(ctx, rel, func(ctx context.Context, db store.Querier, keys []pageKey) (map[pageKey]*store.Page[T], error) {
		groups := map[string][]int64{}
		for _, k := range keys {
			groups[k.Args] = append(groups[k.Args], k.Parent)
		}
		out := make(map[pageKey]*store.Page[T], len(keys))
		for ak, parents := range groups {
			batch.mu.Lock()
			a := batch.args[ak]
			batch.mu.Unlock()
			pages, err := rel.table.PagesByColumn(ctx, db, rel.column, parents, a)
			if err != nil {
				return nil, err
			}
			for p, page := range pages {
				out[pageKey{Parent: p, Args: ak}] = page
			}
		}
		return out, nil
	})
	return l.Load(ctx, pageKey{Parent: parent, Args: key})
}

// FetchPages reads the pages selected by args of every parent this request has not read
// them for yet, all in one statement, and keeps them for later Loads; it returns the page of
// every parent asked.
func (rel *ChildPagesRelation[T]) FetchPages(ctx context.Context, parents []int64, args store.PageArgs) (map[int64]*store.Page[T], error) {
	key, err := argsKey(args)
	if err != nil {
		return nil, err
	}
	keys := make([]pageKey, len(parents))
	for i, p := range parents {
		keys[i] = pageKey{Parent: p, Args: key}
	}
	pages, err := fetchLevel(ctx, rel, keys, func(ctx context.Context, todo []pageKey) (map[pageKey]*store.Page[T], error) {
		ids := make([]int64, len(todo))
		for i, k := range todo {
			ids[i] = k.Parent
		}
		read, err := rel.table.PagesByColumn(ctx, DB(ctx), rel.column, ids, args)
		if err != nil {
			return nil, err
		}
		out := make(map[pageKey]*store.Page[T], len(read))
		for p, page := range read {
			out[pageKey{Parent: p, Args: key}] = page
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*store.Page[T], len(pages))
	for k, page := range pages {
		out[k.Parent] = page
	}
	return out, nil
}

// FetchCounts counts, for every parent this request has not counted yet, its children that
// match where, all in one statement, and keeps the counts for later Counts.
func (rel *ChildPagesRelation[T]) FetchCounts(ctx context.Context, parents []int64, where store.Conds) error {
	key, err := argsKey(where)
	if err != nil {
		return err
	}
	keys := make([]pageKey, len(parents))
	for i, p := range parents {
		keys[i] = pageKey{Parent: p, Args: key}
	}
	_, err = fetchLevel(ctx, rel.counts, keys, func(ctx context.Context, todo []pageKey) (map[pageKey]int, error) {
		ids := make([]int64, len(todo))
		for i, k := range todo {
			ids[i] = k.Parent
		}
		counts, err := rel.table.CountsByColumn(ctx, DB(ctx), rel.column, ids, where)
		if err != nil {
			return nil, err
		}
		out := make(map[pageKey]int, len(ids))
		for _, p := range ids {
			out[pageKey{Parent: p, Args: key}] = counts[p]
		}
		return out, nil
	})
	return err
}

// Known returns the page of parent's children selected by args when a FetchPages of this
// request read it (the rows below it were then read with their level too).
func (rel *ChildPagesRelation[T]) Known(ctx context.Context, parent int64, args store.PageArgs) (*store.Page[T], bool) {
	key, err := argsKey(args)
	if err != nil {
		return nil, false
	}
	v, found, err := fromLevel[pageKey, *store.Page[T]](ctx, rel, pageKey{Parent: parent, Args: key})
	return v, err == nil && found
}

// CountNow counts parent's children that match where, from what FetchCounts read or at once
// in a statement of its own: for a parent known to be alone at its level, where a batch
// window would only wait.
func (rel *ChildPagesRelation[T]) CountNow(ctx context.Context, parent int64, where store.Conds) (int, error) {
	if err := rel.FetchCounts(ctx, []int64{parent}, where); err != nil {
		return 0, err
	}
	key, err := argsKey(where)
	if err != nil {
		return 0, err
	}
	v, _, err := fromLevel[pageKey, int](ctx, rel.counts, pageKey{Parent: parent, Args: key})
	return v, err
}

// batch returns the request's argument table for this relation.
func (rel *ChildPagesRelation[T]) batch(ctx context.Context) *pageBatch[T] {
	r := FromContext(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	k := struct{ rel any }{rel}
	if b, ok := r.loaders[k]; ok {
		return b.(*pageBatch[T])
	}
	b := &pageBatch[T]{args: map[string]store.PageArgs{}}
	r.loaders[k] = b
	return b
}

// Count returns how many of parent's children match where, batched across parents.
func (rel *ChildPagesRelation[T]) Count(ctx context.Context, parent int64, where store.Conds) (int, error) {
	key, err := argsKey(where)
	if err != nil {
		return 0, err
	}
	if v, found, err := fromLevel[pageKey, int](ctx, rel.counts, pageKey{Parent: parent, Args: key}); err == nil && found {
		return v, nil
	}
	conds := rel.counts.conds(ctx)
	conds.mu.Lock()
	conds.where[key] = where
	conds.mu.Unlock()
	l := loaderFor(ctx, rel.counts, func(ctx context.Context, db store.Querier, keys []pageKey) (map[pageKey]int, error) {
		groups := map[string][]int64{}
		for _, k := range keys {
			groups[k.Args] = append(groups[k.Args], k.Parent)
		}
		out := make(map[pageKey]int, len(keys))
		for wk, parents := range groups {
			conds.mu.Lock()
			w := conds.where[wk]
			conds.mu.Unlock()
			counts, err := rel.table.CountsByColumn(ctx, db, rel.column, parents, w)
			if err != nil {
				return nil, err
			}
			for _, p := range parents {
				out[pageKey{Parent: p, Args: wk}] = counts[p]
			}
		}
		return out, nil
	})
	return l.Load(ctx, pageKey{Parent: parent, Args: key})
}

type countBatch struct {
	mu    sync.Mutex
	where map[string]store.Conds
}

func (c *childCounts[T]) conds(ctx context.Context) *countBatch {
	r := FromContext(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	k := struct{ rel any }{c}
	if b, ok := r.loaders[k]; ok {
		return b.(*countBatch)
	}
	b := &countBatch{where: map[string]store.Conds{}}
	r.loaders[k] = b
	return b
}
