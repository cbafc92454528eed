package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"civiclink/internal/pagesize"
)

// OrderTerm orders by one column.
type OrderTerm struct {
	Column string
	Desc   bool
}

// PageArgs are the Relay arguments of one connection, already translated to columns.
type PageArgs struct {
	First, Last   *int
	After, Before *string
	Where         Conds
	// Order lists the sort columns; the primary key is always appended as a tie-breaker.
	Order []OrderTerm
}

// Page is one page of rows with a cursor for each.
type Page[T any] struct {
	Rows            []*T
	Cursors         []string
	HasNextPage     bool
	HasPreviousPage bool
}

// plan is a validated PageArgs: the limit, the direction and the keyset bound.
type plan struct {
	limit    int
	backward bool // paging with last/before: the query runs in reverse order
	order    []OrderTerm
	cursor   *cursor
	orderKey string
}

// Check validates a's paging arguments without reading anything: for a connection whose
// rows are not selected (only its totalCount), which reads no page but still refuses bad
// arguments as a page read would.
func (a PageArgs) Check() error {
	_, err := a.plan()
	return err
}

func (a PageArgs) plan() (*plan, error) {
	if a.First != nil && a.Last != nil {
		return nil, &InputError{Field: "first", Message: "give first or last, not both"}
	}
	p := &plan{limit: pagesize.Default}
	switch {
	case a.First != nil:
		p.limit = *a.First
	case a.Last != nil:
		p.limit = *a.Last
		p.backward = true
	case a.Before != nil:
		p.backward = true
	}
	field := "first"
	if p.backward {
		field = "last"
	}
	if p.limit < 0 {
		return nil, &InputError{Field: field, Message: "must not be negative"}
	}
	if p.limit > pagesize.Max {
		return nil, &InputError{Field: field, Message: fmt.Sprintf("must be at most %d", pagesize.Max)}
	}
	p.order = append(slices.Clone(a.Order), OrderTerm{Column: "id", Desc: len(a.Order) > 0 && a.Order[len(a.Order)-1].Desc})
	p.orderKey = orderKey(p.order)
	raw, name := a.After, "after"
	if p.backward {
		raw, name = a.Before, "before"
	} else if a.Before != nil {
		return nil, &InputError{Field: "before", Message: "use before with last"}
	}
	if p.backward && a.After != nil {
		return nil, &InputError{Field: "after", Message: "use after with first"}
	}
	if raw != nil {
		c, err := decodeCursor(*raw, p.orderKey, len(p.order))
		if err != nil {
			return nil, &InputError{Field: name, Message: err.Error()}
		}
		p.cursor = c
	}
	return p, nil
}

func orderKey(terms []OrderTerm) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		dir := "a"
		if t.Desc {
			dir = "d"
		}
		parts[i] = t.Column + ":" + dir
	}
	return strings.Join(parts, ",")
}

// orderBy renders the ORDER BY list, reversed when paging backwards.
func (p *plan) orderBy(alias string) string {
	parts := make([]string, len(p.order))
	for i, t := range p.order {
		desc := t.Desc != p.backward
		dir := "ASC"
		if desc {
			dir = "DESC"
		}
		parts[i] = alias + "." + t.Column + " " + dir
	}
	return strings.Join(parts, ", ")
}

// keyset renders the condition "row comes after the cursor" in the query's direction.
func (p *plan) keyset(b *Binder, alias string) string {
	if p.cursor == nil {
		return "TRUE"
	}
	ors := make([]string, len(p.order))
	for i, t := range p.order {
		ands := make([]string, 0, i+1)
		for j := range i {
			ands = append(ands, fmt.Sprintf("%s.%s = %s", alias, p.order[j].Column, b.Arg(p.cursor.Values[j])))
		}
		op := ">"
		if t.Desc != p.backward {
			op = "<"
		}
		ands = append(ands, fmt.Sprintf("%s.%s %s %s", alias, t.Column, op, b.Arg(p.cursor.Values[i])))
		ors[i] = "(" + strings.Join(ands, " AND ") + ")"
	}
	return "(" + strings.Join(ors, " OR ") + ")"
}

// finish trims the look-ahead row, restores client order and computes cursors.
func finish[T any](p *plan, rows []*T) *Page[T] {
	page := &Page[T]{}
	if len(rows) > p.limit {
		rows = rows[:p.limit]
		if p.backward {
			page.HasPreviousPage = true
		} else {
			page.HasNextPage = true
		}
	}
	if p.cursor != nil {
		if p.backward {
			page.HasNextPage = true
		} else {
			page.HasPreviousPage = true
		}
	}
	if p.backward {
		slices.Reverse(rows)
	}
	page.Rows = rows
	page.Cursors = make([]string, len(rows))
	for i, r := range rows {
		vals := make([]string, len(p.order))
		for j, t := range p.order {
			vals[j] = formatValue(columnValue(r, t.Column))
		}
		page.Cursors[i] = encodeCursor(p.orderKey, vals)
	}
	return page
}

func (t *Table[T]) checkOrder(order []OrderTerm) error {
	for _, o := range order {
		if !t.byName[o.Column] {
			return fmt.Errorf("store: %s cannot be ordered by %q", t.Name, o.Column)
		}
	}
	return nil
}

// Page returns one page of the rows matching args.
func (t *Table[T]) Page(ctx context.Context, q Querier, args PageArgs) (*Page[T], error) {
	p, err := args.plan()
	if err != nil {
		return nil, err
	}
	if err := t.checkOrder(p.order); err != nil {
		return nil, err
	}
	scoped, visible := t.scoped(ctx, args.Where)
	if p.limit == 0 || !visible {
		return finish(p, []*T(nil)), nil
	}
	var b Binder
	where := b.where(scoped)
	sql := fmt.Sprintf("SELECT %s FROM %s t WHERE %s AND %s ORDER BY %s LIMIT %d",
		t.columns, t.Name, where, p.keyset(&b, "t"), p.orderBy("t"), p.limit+1)
	rows, err := q.Query(ctx, sql, b.args...)
	if err != nil {
		return nil, fmt.Errorf("page %s: %w", t.Name, err)
	}
	var list []*T
	if err := scanWith(rows, nil, func(r *T) { list = append(list, r) }); err != nil {
		return nil, fmt.Errorf("page %s: %w", t.Name, err)
	}
	return finish(p, list), nil
}

// Count returns how many rows match where.
func (t *Table[T]) Count(ctx context.Context, q Querier, where Conds) (int, error) {
	where, ok := t.scoped(ctx, where)
	if !ok {
		return 0, nil
	}
	var b Binder
	sql := fmt.Sprintf("SELECT count(*) FROM %s t WHERE %s", t.Name, b.where(where))
	if c, ok := q.(CachedCounter); ok {
		n, err := c.CachedCount(ctx, t.Name, sql, b.args...)
		if err != nil {
			return 0, fmt.Errorf("count %s: %w", t.Name, err)
		}
		return n, nil
	}
	var n int
	if err := q.QueryRow(ctx, sql, b.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s: %w", t.Name, err)
	}
	return n, nil
}

// CachedCounter is a Querier that keeps exact counts between writes (the hub's serving
// pool, internal/dbpool): CachedCount answers a count statement as QueryRow would, without
// counting again while nothing a count depends on has been written.
type CachedCounter interface {
	CachedCount(ctx context.Context, relation, countSQL string, args ...any) (int, error)
}

// PagesByColumn returns one page per parent key: for each key k, the rows with column col = k
// that match args, in one statement (a LATERAL join over the keys), so a child connection
// under a list of parents costs one round trip.
func (t *Table[T]) PagesByColumn(ctx context.Context, q Querier, col string, keys []int64, args PageArgs) (map[int64]*Page[T], error) {
	p, err := args.plan()
	if err != nil {
		return nil, err
	}
	if err := t.checkOrder(p.order); err != nil {
		return nil, err
	}
	if !t.byName[col] {
		return nil, fmt.Errorf("store: %s has no column %q", t.Name, col)
	}
	out := make(map[int64]*Page[T], len(keys))
	scoped, visible := t.scoped(ctx, args.Where)
	if p.limit == 0 || !visible {
		for _, k := range keys {
			out[k] = finish(p, []*T(nil))
		}
		return out, nil
	}
	var b Binder
	keysArg := b.Arg(keys)
	where := b.where(scoped)
	sql := fmt.Sprintf(`SELECT k.k AS _parent, s.* FROM unnest(%s::bigint[]) AS k(k)
CROSS JOIN LATERAL (SELECT %s FROM %s t WHERE t.%s = k.k AND %s AND %s ORDER BY %s LIMIT %d) s`,
		keysArg, t.columns, t.Name, col, where, p.keyset(&b, "t"), p.orderBy("t"), p.limit+1)
	rows, err := q.Query(ctx, sql, b.args...)
	if err != nil {
		return nil, fmt.Errorf("pages of %s by %s: %w", t.Name, col, err)
	}
	var parent int64
	grouped := make(map[int64][]*T, len(keys))
	extra := map[string]any{"_parent": &parent}
	err = scanWith(rows, func() map[string]any { return extra }, func(r *T) {
		grouped[parent] = append(grouped[parent], r)
	})
	if err != nil {
		return nil, fmt.Errorf("pages of %s by %s: %w", t.Name, col, err)
	}
	for _, k := range keys {
		out[k] = finish(p, grouped[k])
	}
	return out, nil
}

// CountsByColumn returns, for each key, how many rows with column col = key match where.
func (t *Table[T]) CountsByColumn(ctx context.Context, q Querier, col string, keys []int64, where Conds) (map[int64]int, error) {
	if !t.byName[col] {
		return nil, fmt.Errorf("store: %s has no column %q", t.Name, col)
	}
	where, visible := t.scoped(ctx, where)
	if !visible {
		return map[int64]int{}, nil
	}
	var b Binder
	keysArg := b.Arg(keys)
	sql := fmt.Sprintf("SELECT t.%s, count(*) FROM %s t WHERE t.%s = ANY(%s) AND %s GROUP BY t.%s",
		col, t.Name, col, keysArg, b.where(where), col)
	rows, err := q.Query(ctx, sql, b.args...)
	if err != nil {
		return nil, fmt.Errorf("count %s by %s: %w", t.Name, col, err)
	}
	defer rows.Close()
	out := make(map[int64]int, len(keys))
	for rows.Next() {
		var k int64
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, fmt.Errorf("count %s by %s: %w", t.Name, col, err)
		}
		out[k] = n
	}
	return out, rows.Err()
}
