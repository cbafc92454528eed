package dbtest

import (
	"context"
	"testing"
)

// TestTxRollsBack: what a test writes in its Tx is gone once the test ended, and the
// database has every migration.
func TestTxRollsBack(t *testing.T) {
	ctx := context.Background()
	const code = "DBTEST-TX"
	t.Run("write", func(t *testing.T) {
		tx := Tx(t)
		if _, err := tx.Exec(ctx, "INSERT INTO police.station (code, name) VALUES ($1, 'dbtest')", code); err != nil {
			t.Fatalf("insert a station in the test's transaction: %v", err)
		}
		var n int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM police.station WHERE code = $1", code).Scan(&n); err != nil || n != 1 {
			t.Fatalf("the transaction sees its own station: expected 1 row, got %d (%v)", n, err)
		}
	})
	tx := Tx(t)
	var n int
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM police.station WHERE code = $1", code).Scan(&n); err != nil {
		t.Fatalf("count stations: %v", err)
	}
	if n != 0 {
		t.Errorf("after the writing test ended: expected its station rolled back (0 rows), found %d", n)
	}
	var migrations int
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM hub_goose_version WHERE version_id > 0").Scan(&migrations); err != nil || migrations == 0 {
		t.Errorf("expected a migrated database, found %d migrations applied (%v)", migrations, err)
	}
}
