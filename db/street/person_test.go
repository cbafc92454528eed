package street_test

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"civiclink/db/dbtest"
	"civiclink/db/street"
	"civiclink/internal/pii"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// TestAddPersonConcurrently: two transactions adding the same identity number at once both
// get the one person. Before the fix the second, having matched no one before the first
// committed, inserted too and failed on the number's unique key (INTERNAL).
func TestAddPersonConcurrently(t *testing.T) {
	keys, err := pii.NewKeys(bytes.Repeat([]byte{1}, pii.KeySize), bytes.Repeat([]byte{2}, pii.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p := street.NewPerson{IDNumber: "11010519491231002X", Name: "Wang Fang", Gender: "FEMALE"}
	first, second := dbtest.Tx(t), dbtest.Tx(t)
	var pid int
	if err := second.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	a, err := street.AddPerson(ctx, first, keys, "person", p)
	if err != nil {
		t.Fatalf("first AddPerson: %v", err)
	}
	type result struct {
		id  int64
		err error
	}
	done := make(chan result, 1)
	go func() {
		id, err := street.AddPerson(ctx, second, keys, "person", p)
		done <- result{id, err}
	}()
	// The second waits on the first's row before the first commits.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var waiting bool
		if err := first.QueryRow(ctx, `SELECT coalesce(wait_event_type = 'Lock', false) FROM pg_stat_activity WHERE pid = $1`, pid).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the second AddPerson never waited on the first")
		}
	}
	if err := first.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	b := <-done
	// The first committed: remove its person, so the process's database stays empty.
	cleanup := dbtest.Tx(t)
	if _, err := cleanup.Exec(ctx, `DELETE FROM street.person WHERE id = $1`, a); err != nil {
		t.Errorf("remove the committed person: %v", err)
	} else if err := cleanup.Commit(ctx); err != nil {
		t.Errorf("remove the committed person: %v", err)
	}
	if b.err != nil || b.id != a {
		t.Errorf("concurrent AddPerson of the same number: expected person %d, got %d, %v", a, b.id, b.err)
	}
}
