package seed

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

func TestScratchScale(t *testing.T) {
	url := os.Getenv("SCRATCH_DB")
	if url == "" {
		t.Skip()
	}
	scale, _ := strconv.ParseFloat(os.Getenv("SCRATCH_SCALE"), 64)
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	start := time.Now()
	last := start
	st, err := Run(context.Background(), pool, Options{Scale: scale, Keys: testKeys(t), Progress: func(table string, rows int) {
		t.Logf("%-36s %8d  %v", table, rows, time.Since(last).Round(time.Millisecond))
		last = time.Now()
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("total %d rows; generate %v load %v; wall %v", st.Total(), st.Generate, st.Load, time.Since(start))
}
