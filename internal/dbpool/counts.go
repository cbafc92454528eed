package dbpool

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"

	lru "github.com/hashicorp/golang-lru/v2"
)

// countCacheSize bounds the counts a pool keeps: one per caller scope, statement and
// arguments.
const countCacheSize = 4096

// countEntry is a count and the write generation it was read at.
type countEntry struct {
	gen int64
	n   int
}

// CachedCount answers countSQL, a statement returning one count (SELECT count(*) FROM …),
// with args, for the caller of ctx, exactly and in one round trip: it reads the write
// generation (hub.write_generation, migration 00350) and, in the same statement and so the
// same snapshot, the count only when the generation has moved since this pool last counted
// it for the same caller scope, statement and arguments. Every transaction writing to a
// table a count may depend on raises the generation as it commits, so a kept count is the
// count of now until then. The caller's scope is part of the key: row security counts
// different rows for different callers.
//
// relation names what countSQL counts (as regclass::text writes it); a relation whose writes
// do not raise the generation (hub.counted_relations, such as the access log, written on
// reads) is counted every time.
func (p *Pool) CachedCount(ctx context.Context, relation, countSQL string, args ...any) (int, error) {
	if !p.counted(ctx, relation) {
		var n int
		err := p.QueryRow(ctx, countSQL, args...).Scan(&n)
		return n, err
	}
	key, keyed := p.countKey(ctx, countSQL, args)
	known := countEntry{gen: -1}
	if keyed {
		if e, ok := p.counts.Get(key); ok {
			known = e
		}
	}
	sql := fmt.Sprintf(`SELECT g.gen, CASE WHEN g.gen = $%d THEN NULL ELSE (%s) END FROM hub.write_generation g`,
		len(args)+1, countSQL)
	var gen int64
	var n *int64
	if err := p.QueryRow(ctx, sql, append(args[:len(args):len(args)], known.gen)...).Scan(&gen, &n); err != nil {
		return 0, err
	}
	if n == nil {
		return known.n, nil
	}
	if keyed {
		p.counts.Add(key, countEntry{gen: gen, n: int(*n)})
	}
	return int(*n), nil
}

// countKey is what a count depends on besides the data: the caller's row-security settings,
// the statement and its arguments (false when an argument has no exact JSON form).
func (p *Pool) countKey(ctx context.Context, sql string, args []any) (string, bool) {
	if p.counts == nil {
		return "", false
	}
	var b strings.Builder
	if p.rowSecurity {
		for _, s := range settingsArgs(ctx, true, planChosen) {
			switch v := s.(type) {
			case string:
				b.WriteString(strconv.Quote(v))
			default:
				fmt.Fprint(&b, v)
			}
			b.WriteByte(',')
		}
	}
	b.WriteByte('\n')
	b.WriteString(sql)
	b.WriteByte('\n')
	a, err := json.Marshal(args)
	if err != nil {
		return "", false
	}
	b.Write(a)
	return b.String(), true
}

func newCountCache() *lru.Cache[string, countEntry] {
	c, err := lru.New[string, countEntry](countCacheSize)
	if err != nil {
		panic(err) // only for a size ≤ 0
	}
	return c
}

// countedRelations is what hub.counted_relations() listed, read once per pool.
type countedRelations struct {
	mu     sync.Mutex
	loaded bool
	names  map[string]bool
}

// counted reports whether counts of relation may be kept; before the migration that lists
// them has run (or when the list cannot be read now), nothing is kept.
func (p *Pool) counted(ctx context.Context, relation string) bool {
	if p.counts == nil {
		return false
	}
	c := &p.countedRelations
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.loaded {
		rows, err := p.Query(ctx, `SELECT * FROM hub.counted_relations()`)
		if err != nil {
			return false
		}
		names := map[string]bool{}
		for rows.Next() {
			var name string
			if rows.Scan(&name) == nil {
				names[name] = true
			}
		}
		if rows.Err() != nil {
			return false
		}
		c.names, c.loaded = names, true
	}
	return c.names[relation]
}
