package loaders

import (
	"context"
	"errors"
	"sync"
)

// Level loads: when every parent of a query level is known (a page, or the rows of the level
// above), Fetch reads what a relation reaches from all of them in one statement and keeps it
// in the request's registry. Later Loads of those keys are answered from there at once,
// without a batch window, so a level costs one statement whatever the load.

// known holds the rows one relation has read for a request, by key; a key whose row is
// missing or not visible maps to the zero value with found=false.
type known[K comparable, V any] struct {
	mu   sync.RWMutex
	rows map[K]knownRow[V]
}

type knownRow[V any] struct {
	v     V
	found bool
}

func (k *known[K, V]) get(key K) (knownRow[V], bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	r, ok := k.rows[key]
	return r, ok
}

// missing returns the keys (deduplicated) that k holds nothing for.
func (k *known[K, V]) missing(keys []K) []K {
	k.mu.RLock()
	defer k.mu.RUnlock()
	out := make([]K, 0, len(keys))
	seen := make(map[K]struct{}, len(keys))
	for _, key := range keys {
		if _, ok := k.rows[key]; ok {
			continue
		}
		if _, ok := seen[key]; ok {
			continue
		}
		seen[key] = struct{}{}
		out = append(out, key)
	}
	return out
}

// put records the rows read for keys; keys absent from rows are recorded as missing.
func (k *known[K, V]) put(keys []K, rows map[K]V) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, key := range keys {
		v, ok := rows[key]
		k.rows[key] = knownRow[V]{v: v, found: ok}
	}
}

// knownFor returns the request's store of rows read by level for rel.
func knownFor[K comparable, V any](ctx context.Context, rel any) *known[K, V] {
	r := FromContext(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	k := struct{ known any }{rel}
	if v, ok := r.loaders[k]; ok {
		return v.(*known[K, V])
	}
	v := &known[K, V]{rows: map[K]knownRow[V]{}}
	r.loaders[k] = v
	return v
}

// fetchLevel reads the keys k does not hold yet with one call of read, records them, and
// returns the rows of every key asked for.
func fetchLevel[K comparable, V any](ctx context.Context, rel any, keys []K, read func(ctx context.Context, keys []K) (map[K]V, error)) (map[K]V, error) {
	k := knownFor[K, V](ctx, rel)
	if todo := k.missing(keys); len(todo) > 0 {
		if f := batchObserver.Load(); f != nil {
			(*f)(len(todo))
		}
		rows, err := read(ctx, todo)
		if err != nil {
			return nil, err
		}
		k.put(todo, rows)
	}
	out := make(map[K]V, len(keys))
	for _, key := range keys {
		if r, ok := k.get(key); ok && r.found {
			out[key] = r.v
		}
	}
	return out, nil
}

// errUnknown says a key was not read by a level fetch; the loader then reads it.
var errUnknown = errors.New("loaders: key not read by a level fetch")

// fromLevel answers a Load from the rows a level fetch read: the row, apierr.ErrNotFound
// semantics left to the caller through found, or errUnknown when no fetch covered key.
func fromLevel[K comparable, V any](ctx context.Context, rel any, key K) (V, bool, error) {
	r, ok := knownFor[K, V](ctx, rel).get(key)
	if !ok {
		var zero V
		return zero, false, errUnknown
	}
	return r.v, r.found, nil
}
