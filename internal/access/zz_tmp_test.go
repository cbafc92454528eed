package access_test

import (
	"context"
	"testing"

	"civiclink/db/loaders"
	"civiclink/internal/auth"
	"civiclink/internal/hubtest"
)

func TestZZStatements(t *testing.T) {
	h := hubtest.New(t, hubtest.Options{SeedScale: 1, LoaderWait: loaders.DefaultWait})
	ctx := context.Background()
	var stationCode, badge, community string
	var mediator, committee int64
	h.Pool.QueryRow(ctx, `SELECT s.code, o.badge_no FROM police.officer o JOIN police.station s ON s.id = o.station_id
		ORDER BY (SELECT count(*) FROM police."case" c WHERE c.station_id = s.id) DESC, o.id LIMIT 1`).Scan(&stationCode, &badge)
	h.Pool.QueryRow(ctx, `SELECT c.code FROM street.community c ORDER BY (SELECT count(*) FROM mediation.dispute d JOIN street.grid g ON g.id = d.grid_id
		WHERE g.community_id = c.id) DESC, c.id LIMIT 1`).Scan(&community)
	h.Pool.QueryRow(ctx, `SELECT m.id, m.committee_id FROM mediation.mediator m
		ORDER BY (SELECT count(*) FROM mediation.dispute_mediator dm WHERE dm.mediator_id = m.id) DESC, m.id LIMIT 1`).Scan(&mediator, &committee)
	roles := map[string]*hubtest.Hub{
		"admin":     h.As(t, auth.Admin, auth.ScopeClaims{}),
		"community": h.As(t, auth.StreetStaff, auth.ScopeClaims{Communities: []string{community}}),
		"police":    h.As(t, auth.PoliceOfficer, auth.ScopeClaims{Station: stationCode, Officer: badge}),
		"mediator":  h.As(t, auth.Mediator, auth.ScopeClaims{Committees: []int64{committee}, Mediator: mediator}),
	}
	for _, name := range []string{"admin", "community", "police", "mediator"} {
		for _, q := range []string{`{ disputes { totalCount } }`, `{ disputes(first: 50) { totalCount nodes { disputeNo status agreement { signedAt } } } }`, `{ cases { totalCount } }`} {
			h.Pool.Exec(ctx, "SELECT $1::text", "MARK "+name+" "+q)
			res := roles[name].Query(t, q, nil)
			t.Logf("%s %s: %d statements", name, q, res.Statements)
		}
	}
}
