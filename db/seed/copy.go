package seed

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// loader copies generated rows into the database inside the seeding transaction.
type loader struct {
	tx       pgx.Tx
	stats    *Stats
	progress func(table string, rows int)
	// identity lists the loaded tables with an identity id column, for resetSequences.
	identity []string
}

// copyTable loads items into table ("schema.name") with COPY; row maps one item to the
// values of cols, in order. A table whose first column is "id" has its identity sequence
// moved past the largest id by resetSequences.
func copyTable[T any](ctx context.Context, l *loader, table string, cols []string, items []T, row func(T) []any) error {
	src := pgx.CopyFromSlice(len(items), func(i int) ([]any, error) { return row(items[i]), nil })
	return l.copyFrom(ctx, table, cols, src)
}

// copyFrom loads rows from src into table and records the result.
func (l *loader) copyFrom(ctx context.Context, table string, cols []string, src pgx.CopyFromSource) error {
	schema, name, _ := strings.Cut(table, ".")
	n, err := l.tx.CopyFrom(ctx, pgx.Identifier{schema, name}, cols, src)
	if err != nil {
		return fmt.Errorf("seed: copy %s: %w", table, err)
	}
	l.stats.Rows[table] += int(n)
	l.stats.Tables = append(l.stats.Tables, table)
	if len(cols) > 0 && cols[0] == "id" {
		l.identity = append(l.identity, table)
	}
	if l.progress != nil {
		l.progress(table, int(n))
	}
	return nil
}

// logged is an entity with a status history.
type logged interface {
	logID() int64
	logSteps() []step
}

// copyStatusLog loads one row per step of every entity's history into a status log table,
// with from_status NULL for the first step.
func copyStatusLog[T logged](ctx context.Context, l *loader, table string, items []T) error {
	cols := []string{"id", "entity_id", "from_status", "to_status", "at", "actor", "reason"}
	return l.copyFrom(ctx, table, cols, &logSource[T]{items: items, si: -1})
}

// logSource streams status log rows without materialising them.
type logSource[T logged] struct {
	items []T
	ii    int // current item
	si    int // current step within the item
	id    int64
	row   [7]any
}

func (s *logSource[T]) Next() bool {
	for s.ii < len(s.items) {
		steps := s.items[s.ii].logSteps()
		s.si++
		if s.si < len(steps) {
			st := steps[s.si]
			s.id++
			var from any
			if s.si > 0 {
				from = steps[s.si-1].status
			}
			s.row = [7]any{s.id, s.items[s.ii].logID(), from, st.status, st.at, st.actor, nullText(st.reason)}
			return true
		}
		s.ii++
		s.si = -1
	}
	return false
}

func (s *logSource[T]) Values() ([]any, error) { return s.row[:], nil }
func (s *logSource[T]) Err() error             { return nil }

// resetSequences moves every identity sequence of the loaded tables past max(id), so that the
// next default id is max(id)+1.
func (l *loader) resetSequences(ctx context.Context) error {
	b := &pgx.Batch{}
	for _, table := range l.identity {
		schema, name, _ := strings.Cut(table, ".")
		ident := pgx.Identifier{schema, name}.Sanitize()
		b.Queue(fmt.Sprintf(`SELECT CASE WHEN m IS NULL THEN setval(s, 1, false) ELSE setval(s, m) END
			FROM (SELECT pg_get_serial_sequence($1, 'id') AS s, (SELECT max(id) FROM %s) AS m) x`, ident), ident)
	}
	if err := l.tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("seed: reset sequences: %w", err)
	}
	return nil
}
