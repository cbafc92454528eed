package resolvers_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"civiclink/internal/access"
	"civiclink/internal/auth"
	"civiclink/internal/globalid"
	"civiclink/internal/hubtest"
)

// fixtures are seeded rows the workflow tests build on, and clients of the hub acting in
// the roles that may run each mutation.
type fixtures struct {
	station, officer, committee, mediator, grid, person string
	stationPK, gridPK, committeePK, mediatorPK          int64
	stationCode, badge, gridCode                        string
	hub                                                 *hubtest.Hub
	clients                                             map[string]*hubtest.Hub
}

func loadFixtures(t *testing.T, hub *hubtest.Hub) *fixtures {
	t.Helper()
	ctx := context.Background()
	f := &fixtures{hub: hub}
	var officer, person int64
	err := hub.Pool.QueryRow(ctx, `
		SELECT o.station_id, o.id, g.id, c.id, m.id, p.id, s.code, o.badge_no, g.code
		FROM police.officer o
		JOIN police.station s ON s.id = o.station_id
		JOIN police.station_community sc ON sc.station_id = o.station_id
		JOIN street.grid g ON g.community_id = sc.community_id
		JOIN mediation.committee c ON c.level = 'STREET'
		JOIN mediation.mediator m ON m.committee_id = c.id
		JOIN street.person p ON p.grid_id = g.id
		ORDER BY o.id, g.id, m.id, p.id LIMIT 1`).Scan(&f.stationPK, &officer, &f.gridPK, &f.committeePK, &f.mediatorPK, &person, &f.stationCode, &f.badge, &f.gridCode)
	if err != nil {
		t.Fatalf("pick fixtures: %v", err)
	}
	f.station = globalid.Encode("Station", f.stationPK)
	f.officer = globalid.Encode("Officer", officer)
	f.grid = globalid.Encode("Grid", f.gridPK)
	f.committee = globalid.Encode("Committee", f.committeePK)
	f.mediator = globalid.Encode("Mediator", f.mediatorPK)
	f.person = globalid.Encode("Person", person)
	f.clients = f.clientsOf(t, hub)
	return f
}

// clientsOf returns clients of hub for the roles the tests act in, scoped to the fixtures.
func (f *fixtures) clientsOf(t *testing.T, hub *hubtest.Hub) map[string]*hubtest.Hub {
	return map[string]*hubtest.Hub{
		auth.PoliceOfficer: hub.As(t, auth.PoliceOfficer, auth.ScopeClaims{Station: f.stationCode, Officer: f.badge}),
		auth.StreetStaff:   hub.As(t, auth.StreetStaff, auth.ScopeClaims{}),
		auth.Mediator:      hub.As(t, auth.Mediator, auth.ScopeClaims{Committees: []int64{f.committeePK}, Mediator: f.mediatorPK}),
	}
}

// on returns the fixtures acting on another hub process over the same database.
func (f *fixtures) on(t *testing.T, hub *hubtest.Hub) *fixtures {
	g := *f
	g.hub = hub
	g.clients = f.clientsOf(t, hub)
	return &g
}

// client returns the client whose role may run mutation op (police first, then street
// staff, then mediators).
func (f *fixtures) client(op string) *hubtest.Hub {
	for _, role := range []string{auth.PoliceOfficer, auth.StreetStaff, auth.Mediator} {
		if slices.Contains(access.Mutations[op], role) {
			return f.clients[role]
		}
	}
	return f.hub
}

// entity is the id, status and version a payload returns.
type entity struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Version int    `json:"version"`
}

// mutate runs one mutation `name(input: $in) { field { id status version } }` as a role
// that may run it and returns the entity, failing the test on errors.
func (f *fixtures) mutate(t *testing.T, name, inputType, field string, in map[string]any) entity {
	t.Helper()
	res := f.client(name).Query(t, fmt.Sprintf(`mutation($in: %s!) { m: %s(input: $in) { e: %s { id status version } } }`, inputType, name, field),
		map[string]any{"in": in})
	var d struct {
		M struct{ E entity }
	}
	res.MustData(t, &d)
	return d.M.E
}

// try runs a mutation as a role that may run it and returns its response, errors included.
func (f *fixtures) try(t *testing.T, name, inputType, selection string, in map[string]any) *hubtest.Response {
	t.Helper()
	return f.client(name).Query(t, fmt.Sprintf(`mutation($in: %s!) { m: %s(input: $in) { %s } }`, inputType, name, selection), map[string]any{"in": in})
}
