package server_test

import (
	"context"
	"encoding/json"
	"testing"

	"civiclink/internal/auth"
	"civiclink/internal/hubtest"
)

// TestTotalCountsStayExactBetweenWrites checks the count cache (dbpool.CachedCount,
// migration 00350) through the endpoint: a root list's totalCount asked again costs one
// round trip like the first and says the same; a write another transaction has not yet
// committed does not change it, and its commit does at once; a rolled-back write leaves it;
// and two callers whose row security sees different rows each get their own count.
func TestTotalCountsStayExactBetweenWrites(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, hubtest.Options{})
	staff := h.As(t, auth.StreetStaff, auth.ScopeClaims{})
	ctx := context.Background()
	total := func(who *hubtest.Hub, query string) int {
		t.Helper()
		res := who.Query(t, query, nil)
		var body struct {
			Data map[string]struct{ TotalCount *int } `json:"data"`
		}
		if err := json.Unmarshal(res.Raw, &body); err != nil || len(body.Data) != 1 {
			t.Fatalf("%s: want one total, got %s", query, res.Raw)
		}
		if res.Statements != 1 {
			t.Errorf("%s: %d statements, want 1 (the count, or the look at the write generation)", query, res.Statements)
		}
		for _, v := range body.Data {
			if v.TotalCount == nil {
				t.Fatalf("%s: no totalCount in %s", query, res.Raw)
			}
			return *v.TotalCount
		}
		return 0
	}
	const communities = `{ communities { totalCount } }`
	var inDB int
	if err := h.Pool.QueryRow(ctx, `SELECT count(*) FROM street.community`).Scan(&inDB); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name  string
		write func() error
		delta int
	}{
		{"asked again", func() error { return nil }, 0},
		{"a rolled-back insert", func() error {
			tx, err := h.Pool.Begin(ctx)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO street.community (code, name) VALUES ('ZZ-ROLLED', 'rolled back')`); err != nil {
				return err
			}
			return tx.Rollback(ctx)
		}, 0},
		{"a committed insert", func() error {
			_, err := h.Pool.Exec(ctx, `INSERT INTO street.community (code, name) VALUES ('ZZ-ONE', 'committed')`)
			return err
		}, 1},
	}
	want := inDB
	if got := total(staff, communities); got != want {
		t.Fatalf("first count: %d communities, want %d", got, want)
	}
	for _, s := range steps {
		if err := s.write(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		want += s.delta
		if got := total(staff, communities); got != want {
			t.Errorf("after %s: %d communities, want %d", s.name, got, want)
		}
	}

	// An insert another transaction holds uncommitted is not counted; its commit is.
	tx, err := h.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `INSERT INTO street.community (code, name) VALUES ('ZZ-TWO', 'held open')`); err != nil {
		t.Fatal(err)
	}
	if got := total(staff, communities); got != want {
		t.Errorf("with an uncommitted insert: %d communities, want %d", got, want)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	want++
	if got := total(staff, communities); got != want {
		t.Errorf("after its commit: %d communities, want %d", got, want)
	}

	// Row security counts different disputes for street staff and for a mediator; asked in
	// turn, each keeps its own.
	var committee, mediator int64
	if err := h.Pool.QueryRow(ctx, `SELECT m.committee_id, m.id FROM mediation.mediator m
		JOIN mediation.dispute_mediator dm ON dm.mediator_id = m.id ORDER BY m.id LIMIT 1`).Scan(&committee, &mediator); err != nil {
		t.Fatal(err)
	}
	med := h.As(t, auth.Mediator, auth.ScopeClaims{Committees: []int64{committee}, Mediator: mediator})
	const disputes = `{ disputes { totalCount } }`
	staffN, medN := total(staff, disputes), total(med, disputes)
	if medN >= staffN {
		t.Fatalf("a mediator counts %d disputes and street staff %d: want fewer for the mediator", medN, staffN)
	}
	for range 2 {
		if got := total(med, disputes); got != medN {
			t.Errorf("mediator, asked again: %d disputes, want %d", got, medN)
		}
		if got := total(staff, disputes); got != staffN {
			t.Errorf("street staff, asked again: %d disputes, want %d", got, staffN)
		}
	}
}
