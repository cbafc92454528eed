package dbpool_test

import (
	"sync"
	"testing"

	"civiclink/internal/auth"
	"civiclink/internal/hubtest"
	"civiclink/playground"
)

// TestStatementsHeaderIsTheWiresCount serves the hub through a counting TCP proxy and checks
// that X-Civiclink-Sql-Statements, summed over the requests, is the number of round trips
// that went over the wire, alone and 16 at once: the pool neither pings busy connections, nor
// closes or resets connections between requests, nor sends the caller's settings apart from
// their statement. What the header does not count, and the wire does, is a connection's setup
// and its one-time preparation of each new statement (pgx's statement cache: one round trip
// for a batch's new statements), which the proxy counts apart: on a pool that has just grown
// (c=16 after c=1) those are the difference.
func TestStatementsHeaderIsTheWiresCount(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, hubtest.Options{})
	w, proxied := startWire(t, h.URL)
	hub := hubtest.Start(t, proxied, hubtest.Options{}).As(t, auth.StreetStaff, auth.ScopeClaims{})
	examples, err := playground.Examples()
	if err != nil {
		t.Fatal(err)
	}
	queries := map[string]string{}
	for _, e := range examples {
		queries[e.Name] = e.Query
	}
	q, vars := queries["referred-disputes"], map[string]any{"first": 100}
	if q == "" {
		t.Fatal("no referred-disputes example")
	}
	// round runs c clients, each sending n requests, and returns the headers' sum and what
	// the wire saw meanwhile.
	round := func(c, n int) (header, trips, prepares, conns int64) {
		t0, p0, c0 := w.trips.Load(), w.prepares.Load(), w.conns.Load()
		var mu sync.Mutex
		var wg sync.WaitGroup
		for range c {
			wg.Go(func() {
				for range n {
					res := hub.Query(t, q, vars)
					if len(res.Errors) > 0 {
						t.Errorf("errors: %s", res.Raw)
					}
					mu.Lock()
					header += int64(res.Statements)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		return header, w.trips.Load() - t0, w.prepares.Load() - p0, w.conns.Load() - c0
	}
	// Cold first (every statement prepared on the first connection), then warm, then 16 at
	// once twice (the pool grows, and its new connections prepare the statements again).
	for _, c := range []int{1, 1, 16, 16} {
		header, trips, prepares, conns := round(c, 4)
		if header != trips-prepares {
			t.Errorf("c=%d: the headers say %d round trips, the wire carried %d, of which %d only prepared statements; want the headers to count all but those",
				c, header, trips, prepares)
		}
		t.Logf("c=%d: %d requests: headers %d (%.1f each), wire %d (%d preparations, %d new connections)",
			c, 4*c, header, float64(header)/float64(4*c), trips, prepares, conns)
	}
}
