package dbpool_test

import (
	"math"
	"testing"

	"civiclink/db/dbtest"
	"civiclink/internal/dbpool"

	"github.com/jackc/pgx/v5"
)

// TestNumericsScanAsPgx checks that the pool scans numerics into float64 exactly as pgx's
// own NumericCodec does (the same bits, the same NULLs, the same errors), and without
// math/big: a value costs no allocation into *float64 and one (the float64 itself) into
// **float64, where pgx's path took about five.
func TestNumericsScanAsPgx(t *testing.T) {
	url := dbtest.NewDatabase(t, "")
	pool, err := dbpool.Open(t.Context(), dbpool.Options{URL: url, MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	plain, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close(t.Context())

	values := []string{"0", "0.00", "1", "-1", "1234.56", "1234.5600", "-0.5", "0.1", "0.3", "9999.9999",
		"10000", "123456789.123456789", "0.000000000000000000000000000001", "1e300", "-2.5e-300",
		"123456789012345678901234567890.123456789012345678901234567890", "17976931348623157" + "e292",
		"4.9406564584124654e-324", "2.2250738585072011e-308", "1e-400", "1e400",
		"NaN", "Infinity", "-Infinity", "NULL"}
	for _, v := range values {
		t.Run(v, func(t *testing.T) {
			sql := "SELECT " + v + "::numeric"
			if v == "NaN" || v == "Infinity" || v == "-Infinity" {
				sql = "SELECT '" + v + "'::numeric"
			}
			var got, want *float64
			gotErr := pool.QueryRow(t.Context(), sql).Scan(&got)
			wantErr := plain.QueryRow(t.Context(), sql).Scan(&want)
			if (gotErr == nil) != (wantErr == nil) {
				t.Fatalf("%s into **float64: expected error %v as pgx, got %v", sql, wantErr, gotErr)
			}
			if gotErr == nil && !sameFloat(got, want) {
				t.Errorf("%s into **float64: expected %v as pgx, got %v", sql, show(want), show(got))
			}
			var g, w float64
			gotErr = pool.QueryRow(t.Context(), sql).Scan(&g)
			wantErr = plain.QueryRow(t.Context(), sql).Scan(&w)
			if (gotErr == nil) != (wantErr == nil) {
				t.Fatalf("%s into *float64: expected error %v as pgx, got %v", sql, wantErr, gotErr)
			}
			if gotErr == nil && !sameFloat(&g, &w) {
				t.Errorf("%s into *float64: expected %v as pgx, got %v", sql, w, g)
			}
		})
	}

	// Allocations per value: scan 1,000 numerics of a grant's kind in one statement, less
	// what a row of a bigint costs (the row's own, pgx's).
	const n = 1000
	rows := func(column string, dst any) float64 {
		return testing.AllocsPerRun(5, func() {
			r, err := pool.Query(t.Context(), "SELECT "+column+" FROM generate_series(1, $1) i", n)
			if err != nil {
				t.Fatal(err)
			}
			for r.Next() {
				if err := r.Scan(dst); err != nil {
					t.Fatal(err)
				}
			}
			if r.Err() != nil {
				t.Fatal(r.Err())
			}
		}) / n
	}
	var f float64
	var p *float64
	var i int64
	base := rows("i::int8", &i)
	const amount = "(i * 12.34)::numeric(12,2)"
	for _, c := range []struct {
		name string
		dst  any
		max  float64
	}{{"*float64", &f, 0.1}, {"**float64", &p, 1.1}} {
		if got := rows(amount, c.dst) - base; got > c.max {
			t.Errorf("scanning a numeric into %s: expected at most %.1f allocations a value, got %.2f", c.name, c.max, got)
		}
	}
}

func sameFloat(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return math.Float64bits(*a) == math.Float64bits(*b) || math.IsNaN(*a) && math.IsNaN(*b)
}

func show(f *float64) any {
	if f == nil {
		return "NULL"
	}
	return *f
}
