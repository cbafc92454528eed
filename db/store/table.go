package store

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"civiclink/internal/apierr"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Querier is what a read needs: a pool, a connection or a transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// Policy restricts the rows a request may see: conditions over alias t that every read of
// the table adds, or ok=false when the request may see no row of it at all.
type Policy func(ctx context.Context) (conds Conds, ok bool)

// Table describes a table whose rows scan into T by the `db` tags of T's fields.
type Table[T any] struct {
	// policy, when set, limits every read to the rows the request may see.
	policy Policy
	// Name is the schema-qualified, already quoted table name, e.g. `police."case"`.
	Name string
	// columns is the select list, each column qualified with the alias "t".
	columns string
	// byName maps a column name to whether T has it.
	byName map[string]bool
}

// NewTable describes table name (schema-qualified, quoted where needed) with row type T.
// It panics when T has no `db` tags, which is a programming error found at start-up.
func NewTable[T any](name string) *Table[T] {
	var zero T
	rt := reflect.TypeOf(zero)
	cols := structColumns(rt)
	if len(cols) == 0 {
		panic(fmt.Sprintf("store: %s has no db-tagged fields", rt))
	}
	byName := make(map[string]bool, len(cols))
	qualified := make([]string, len(cols))
	for i, c := range cols {
		byName[c] = true
		qualified[i] = "t." + c
	}
	return &Table[T]{Name: name, columns: strings.Join(qualified, ", "), byName: byName}
}

func structColumns(rt reflect.Type) []string {
	var cols []string
	for i := range rt.NumField() {
		f := rt.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			cols = append(cols, structColumns(f.Type)...)
			continue
		}
		tag := f.Tag.Get("db")
		if tag == "" || tag == "-" {
			continue
		}
		cols = append(cols, tag)
	}
	return cols
}

// WithPolicy makes every read of the table go through p. It is set once, where the table
// is declared, and registered for ScopedTables.
func (t *Table[T]) WithPolicy(p Policy) *Table[T] {
	t.policy = p
	register(t.Name, p)
	return t
}

// scoped adds the request's policy to where; ok=false means no row is visible.
func (t *Table[T]) scoped(ctx context.Context, where Conds) (Conds, bool) {
	if t.policy == nil {
		return where, true
	}
	extra, ok := t.policy(ctx)
	if !ok {
		return nil, false
	}
	return append(append(Conds{}, where...), extra...), true
}

// Readable reports whether the request of ctx may see any row of the table at all (false
// when its policy refuses the caller every row).
func (t *Table[T]) Readable(ctx context.Context) bool {
	if t.policy == nil {
		return true
	}
	_, ok := t.policy(ctx)
	return ok
}

// HasColumn reports whether the row type carries column col.
func (t *Table[T]) HasColumn(col string) bool { return t.byName[col] }

func (t *Table[T]) collect(rows pgx.Rows) ([]*T, error) {
	out := []*T{}
	if err := scanWith(rows, nil, func(r *T) { out = append(out, r) }); err != nil {
		return nil, fmt.Errorf("scan %s: %w", t.Name, err)
	}
	return out, nil
}

// Select runs a query over the table with the given conditions and order, returning every row.
// It is for small, bounded reads such as code tables; lists exposed to clients use Page.
func (t *Table[T]) Select(ctx context.Context, q Querier, where Conds, orderBy string) ([]*T, error) {
	where, ok := t.scoped(ctx, where)
	if !ok {
		return nil, nil
	}
	var b Binder
	sql := fmt.Sprintf("SELECT %s FROM %s t WHERE %s", t.columns, t.Name, b.where(where))
	if orderBy != "" {
		sql += " ORDER BY " + orderBy
	}
	rows, err := q.Query(ctx, sql, b.args...)
	if err != nil {
		return nil, fmt.Errorf("select %s: %w", t.Name, err)
	}
	return t.collect(rows)
}

// Get returns the single row matching where, or apierr.ErrNotFound.
func (t *Table[T]) Get(ctx context.Context, q Querier, where Conds) (*T, error) {
	where, ok := t.scoped(ctx, where)
	if !ok {
		return nil, apierr.ErrNotFound
	}
	var b Binder
	sql := fmt.Sprintf("SELECT %s FROM %s t WHERE %s LIMIT 2", t.columns, t.Name, b.where(where))
	rows, err := q.Query(ctx, sql, b.args...)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", t.Name, err)
	}
	out, err := t.collect(rows)
	if err != nil {
		return nil, err
	}
	if len(out) != 1 {
		return nil, apierr.ErrNotFound
	}
	return out[0], nil
}

// ByIDs loads the rows with the given primary keys, keyed by id. Missing ids are absent.
func (t *Table[T]) ByIDs(ctx context.Context, q Querier, ids []int64, id func(*T) int64) (map[int64]*T, error) {
	where, ok := t.scoped(ctx, Conds{In("id", ids)})
	if !ok {
		return map[int64]*T{}, nil
	}
	var b Binder
	sql := fmt.Sprintf("SELECT %s FROM %s t WHERE %s", t.columns, t.Name, b.where(where))
	rows, err := q.Query(WithGenericPlan(ctx), sql, b.args...)
	if err != nil {
		return nil, fmt.Errorf("load %s by id: %w", t.Name, err)
	}
	list, err := t.collect(rows)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*T, len(list))
	for _, r := range list {
		out[id(r)] = r
	}
	return out, nil
}

// ByColumn loads every row whose column col is one of keys, grouped by that column and
// ordered within each group by orderBy (a trusted SQL fragment over alias t). The
// key column is read through key.
func (t *Table[T]) ByColumn(ctx context.Context, q Querier, col string, keys []int64, orderBy string, key func(*T) int64) (map[int64][]*T, error) {
	if !t.byName[col] {
		return nil, fmt.Errorf("store: %s has no column %q", t.Name, col)
	}
	where, ok := t.scoped(ctx, Conds{In(col, keys)})
	if !ok {
		return map[int64][]*T{}, nil
	}
	var b Binder
	sql := fmt.Sprintf("SELECT %s FROM %s t WHERE %s ORDER BY t.%s, %s", t.columns, t.Name, b.where(where), col, orderBy)
	rows, err := q.Query(WithGenericPlan(ctx), sql, b.args...)
	if err != nil {
		return nil, fmt.Errorf("load %s by %s: %w", t.Name, col, err)
	}
	list, err := t.collect(rows)
	if err != nil {
		return nil, err
	}
	out := make(map[int64][]*T, len(keys))
	for _, r := range list {
		k := key(r)
		out[k] = append(out[k], r)
	}
	return out, nil
}
