package loaders

import (
	"context"
	"errors"

	"civiclink/db/store"

	"github.com/vikstrous/dataloadgen"
)

// KeyedRelation loads values by any comparable key (a code, a code and an instant …) with a
// batch function of its own, for reads that are not a table's rows by id or by foreign key.
type KeyedRelation[K comparable, V any] struct {
	fetch func(ctx context.Context, db store.Querier, keys []K) (map[K]V, error)
}

// Keyed declares a keyed relation: fetch reads the values of many keys in one statement;
// keys it leaves out of its map load as the zero value.
func Keyed[K comparable, V any](fetch func(ctx context.Context, db store.Querier, keys []K) (map[K]V, error)) *KeyedRelation[K, V] {
	return &KeyedRelation[K, V]{fetch: fetch}
}

// Fetch reads the values of keys (the keys of one query level) in one call, unless the
// request has read them already; later Loads of those keys are answered at once, without a
// batch window.
func (rel *KeyedRelation[K, V]) Fetch(ctx context.Context, keys []K) (map[K]V, error) {
	return fetchLevel(ctx, rel, keys, func(ctx context.Context, keys []K) (map[K]V, error) {
		return rel.fetch(ctx, DB(ctx), keys)
	})
}

// Load returns the value of key: from a level fetch that read it, or else batched with the
// other keys the request asks for meanwhile.
func (rel *KeyedRelation[K, V]) Load(ctx context.Context, key K) (V, error) {
	if v, _, err := fromLevel[K, V](ctx, rel, key); err == nil {
		return v, nil
	}
	v, err := loaderFor(ctx, rel, rel.fetch).Load(ctx, key)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		var zero V
		return zero, nil
	}
	return v, err
}
