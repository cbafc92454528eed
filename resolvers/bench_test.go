package resolvers_test

import (
	"context"
	"testing"

	"civiclink/db/loaders"
	"civiclink/internal/auth"
	"civiclink/internal/globalid"
	"civiclink/internal/hubtest"
	"civiclink/playground"
)

// BenchmarkContractQueries runs each contract query through the HTTP endpoint as street
// staff would, reporting SQL statements per request next to the time.
//
//	go test -run '^$' -bench ContractQueries -benchtime 50x ./resolvers
func BenchmarkContractQueries(b *testing.B) {
	hub := hubtest.New(b, hubtest.Options{LoaderWait: loaders.DefaultWait})
	ctx := context.Background()
	var grid string
	var station, person int64
	_ = hub.Pool.QueryRow(ctx, `SELECT g.code FROM street.grid g JOIN risk.risk_item r ON r.grid_id = g.id
		GROUP BY g.code ORDER BY count(*) DESC LIMIT 1`).Scan(&grid)
	_ = hub.Pool.QueryRow(ctx, `SELECT id FROM police.station ORDER BY id LIMIT 1`).Scan(&station)
	_ = hub.Pool.QueryRow(ctx, `SELECT person_id FROM police.case_party ORDER BY id LIMIT 1`).Scan(&person)
	vars := map[string]map[string]any{
		"referred-disputes": {"first": 100},
		"grid-risk":         {"code": grid},
		"station-welfare":   {"id": globalid.Encode("Station", station)},
		"person-view":       {"id": globalid.Encode("Person", person)},
	}
	examples, err := playground.Examples()
	if err != nil {
		b.Fatal(err)
	}
	staff := hub.As(b, auth.StreetStaff, auth.ScopeClaims{})
	for _, e := range examples {
		v, ok := vars[e.Name]
		if !ok {
			continue
		}
		b.Run(e.Name, func(b *testing.B) {
			statements := 0
			for b.Loop() {
				res := staff.Query(b, e.Query, v)
				if len(res.Errors) > 0 {
					b.Fatalf("errors: %s", res.Raw)
				}
				statements = res.Statements
			}
			b.ReportMetric(float64(statements), "stmts/op")
		})
	}
}
