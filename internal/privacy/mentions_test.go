package privacy

import (
	"context"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"civiclink/db/dbtest"
	"civiclink/db/loaders"
	"civiclink/db/mediation"
	"civiclink/db/store"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// countingDB counts the statements read through it.
type countingDB struct {
	store.Querier
	n atomic.Int64
}

func (c *countingDB) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	c.n.Add(1)
	return c.Querier.Query(ctx, sql, args...)
}

// TestMentionsAreBatched: the texts of many records cost one statement of mentions, whether
// a level read them first (FetchMentions) or each text asks for its own record at once (a
// list a dataloader serves, with no level edge): one batch, not one statement per record.
// The texts are redacted concurrently, as gqlgen resolves a list's elements.
func TestMentionsAreBatched(t *testing.T) {
	t.Parallel()
	_ = dbtest.Tx(t) // builds the migrated template
	pool, err := pgxpool.New(context.Background(), dbtest.NewDatabase(t, dbtest.MigratedTemplate()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	const records = 20
	tests := []struct {
		name  string
		level bool
	}{
		{"texts of records no level read", false},
		{"texts of a level read first", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := &countingDB{Querier: pool}
			// A long batch window: the records asked for at once share one batch however
			// slowly the goroutines start.
			ctx := loaders.WithRegistry(context.Background(), loaders.NewRegistry(db, 200*time.Millisecond))
			ctx = withMentions(ctx, nil)
			if tt.level {
				rows := make([]any, records)
				for i := range rows {
					rows[i] = &mediation.Dispute{Row: store.Row{PK: int64(i + 1)}}
				}
				if err := FetchMentions(ctx, rows); err != nil {
					t.Fatal(err)
				}
			}
			var wg sync.WaitGroup
			for i := range records {
				wg.Go(func() {
					if _, err := redactText(ctx, "a summary", Key{"Dispute", int64(i + 1)}); err != nil {
						t.Errorf("redact the text of dispute %d: %v", i+1, err)
					}
				})
			}
			wg.Wait()
			if n := db.n.Load(); n != 1 {
				t.Errorf("the texts of %d disputes cost %d statements of mentions, want 1", records, n)
			}
		})
	}
}
