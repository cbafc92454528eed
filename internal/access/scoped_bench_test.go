package access_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"civiclink/db/loaders"
	"civiclink/internal/auth"
	"civiclink/internal/hubtest"
)

// BenchmarkScopedVersusAdmin measures what row scoping (the Go rules and row-level
// security together) costs: each query runs as a scoped role and as ADMIN, interleaved,
// through the GraphQL endpoint, and the benchmark reports both medians and their ratio
// (target: at most 1.5). The seed scale is 1 unless CIVICLINK_BENCH_SCALE says otherwise.
//
//	go test -run '^$' -bench ScopedVersusAdmin -benchtime 20x ./internal/access
func BenchmarkScopedVersusAdmin(b *testing.B) {
	scale := 1.0
	if s := os.Getenv("CIVICLINK_BENCH_SCALE"); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			b.Fatalf("CIVICLINK_BENCH_SCALE: %v", err)
		}
		scale = v
	}
	h := hubtest.New(b, hubtest.Options{SeedScale: scale, LoaderWait: loaders.DefaultWait})
	ctx := context.Background()
	var stationCode, badge, gridCode, community string
	var mediator, committee int64
	one := func(sql string, dest ...any) {
		if err := h.Pool.QueryRow(ctx, sql).Scan(dest...); err != nil {
			b.Fatalf("%s: %v", sql, err)
		}
	}
	one(`SELECT s.code, o.badge_no FROM police.officer o JOIN police.station s ON s.id = o.station_id
		ORDER BY (SELECT count(*) FROM police."case" c WHERE c.station_id = s.id) DESC, o.id LIMIT 1`, &stationCode, &badge)
	one(`SELECT g.code FROM street.grid g ORDER BY (SELECT count(*) FROM mediation.dispute d WHERE d.grid_id = g.id) DESC, g.id LIMIT 1`, &gridCode)
	one(`SELECT c.code FROM street.community c ORDER BY (SELECT count(*) FROM mediation.dispute d JOIN street.grid g ON g.id = d.grid_id
		WHERE g.community_id = c.id) DESC, c.id LIMIT 1`, &community)
	one(`SELECT m.id, m.committee_id FROM mediation.mediator m
		ORDER BY (SELECT count(*) FROM mediation.dispute_mediator dm WHERE dm.mediator_id = m.id) DESC, m.id LIMIT 1`, &mediator, &committee)
	admin := h.As(b, auth.Admin, auth.ScopeClaims{})
	roles := []struct {
		name string
		hub  *hubtest.Hub
	}{
		{"street-staff", h.As(b, auth.StreetStaff, auth.ScopeClaims{})},
		{"street-staff-community", h.As(b, auth.StreetStaff, auth.ScopeClaims{Communities: []string{community}})},
		{"police-officer", h.As(b, auth.PoliceOfficer, auth.ScopeClaims{Station: stationCode, Officer: badge})},
		{"grid-worker", h.As(b, auth.GridWorker, auth.ScopeClaims{Grids: []string{gridCode}})},
		{"mediator", h.As(b, auth.Mediator, auth.ScopeClaims{Committees: []int64{committee}, Mediator: mediator})},
	}
	queries := []struct{ name, query string }{
		{"nested", `{ grids(first: 50) { nodes { code cases(first: 10) { nodes { caseNo status
			leadOfficer { name benefitGrants { status amount } } } } } } }`},
		{"cases-count", `{ cases { totalCount } }`},
		{"disputes-count", `{ disputes { totalCount } }`},
		{"disputes-page", `{ disputes(first: 50) { totalCount nodes { disputeNo status agreement { signedAt } } } }`},
	}
	// Every run first moves the write generation, as a committed write would, so that each
	// totalCount is counted under the role's row security rather than answered from the
	// counts the pool keeps between writes (dbpool.CachedCount).
	run := func(b *testing.B, h *hubtest.Hub, q string) time.Duration {
		if _, err := h.Pool.Exec(ctx, `UPDATE hub.write_generation SET gen = gen + 1`); err != nil {
			b.Fatalf("move the write generation: %v", err)
		}
		start := time.Now()
		res := h.Query(b, q, nil)
		d := time.Since(start)
		if len(res.Errors) > 0 {
			b.Fatalf("errors: %s", res.Raw)
		}
		return d
	}
	for _, q := range queries {
		for _, r := range roles {
			b.Run(q.name+"/"+r.name, func(b *testing.B) {
				// Warm both sides' caches (plans, prepared statements) before measuring.
				run(b, r.hub, q.query)
				run(b, admin, q.query)
				var scoped, full []time.Duration
				for b.Loop() {
					scoped = append(scoped, run(b, r.hub, q.query))
					full = append(full, run(b, admin, q.query))
				}
				rm, am := median(scoped), median(full)
				b.ReportMetric(ms(rm), "role-median-ms")
				b.ReportMetric(ms(am), "admin-median-ms")
				b.ReportMetric(float64(rm)/float64(am), "role/admin")
			})
		}
	}
}

// median is the middle of ds (the mean of the two middle ones for an even count).
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
