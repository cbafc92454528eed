package server_test

import (
	"sync"
	"testing"
	"time"

	"civiclink/internal/hubtest"
)

// contractStatements is the documented number of SQL statements of each contract query
// (docs/architecture.md): one per relation and level, two for a connection whose
// totalCount is selected.
var contractStatements = map[string]int{
	"grid-risk":         10,
	"referred-disputes": 11,
	"station-welfare":   7,
	"person-view":       8,
}

// TestStatementsExactUnderConcurrency runs each contract query alone and then 16 at once (as
// an administrator, under row security, so that every row the query reaches is there), with a dataloader window of one nanosecond: a level whose
// rows were loaded through a batch window would split into many statements. Every response
// must report exactly the documented count.
func TestStatementsExactUnderConcurrency(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{LoaderWait: time.Nanosecond})
	fx := pickFixture(t, hub)
	vars := map[string]map[string]any{
		"grid-risk":         {"code": fx.gridCode},
		"referred-disputes": {"first": 100},
		"station-welfare":   {"id": fx.stationID},
		"person-view":       {"id": fx.personID},
	}
	const concurrency = 16
	for name, want := range contractStatements {
		t.Run(name, func(t *testing.T) {
			q := contractQuery(t, name)
			if res := hub.Query(t, q, vars[name]); len(res.Errors) > 0 || res.Statements != want {
				t.Fatalf("alone: %d statements (errors %s), want %d", res.Statements, res.Raw, want)
			}
			got := make([]int, concurrency)
			var wg sync.WaitGroup
			for i := range got {
				wg.Go(func() {
					res := hub.Query(t, q, vars[name])
					got[i] = res.Statements
					if len(res.Errors) > 0 {
						t.Errorf("request %d: errors %s", i, res.Raw)
					}
				})
			}
			wg.Wait()
			for i, n := range got {
				if n != want {
					t.Errorf("request %d of %d concurrent: %d statements, want %d", i, concurrency, n, want)
				}
			}
		})
	}
}
