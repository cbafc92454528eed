package resolvers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"civiclink/internal/globalid"
	"civiclink/internal/hubtest"
)

// fixtures are seeded rows the workflow tests build on.
type fixtures struct {
	station, officer, committee, mediator, grid, person string
	stationPK, gridPK                                   int64
}

func loadFixtures(t *testing.T, hub *hubtest.Hub) fixtures {
	t.Helper()
	ctx := context.Background()
	var f fixtures
	var officer, committee, mediator, person int64
	err := hub.Pool.QueryRow(ctx, `
		SELECT o.station_id, o.id, g.id, c.id, m.id, p.id
		FROM police.officer o
		JOIN police.station_community sc ON sc.station_id = o.station_id
		JOIN street.grid g ON g.community_id = sc.community_id
		JOIN mediation.committee c ON c.level = 'STREET'
		JOIN mediation.mediator m ON m.committee_id = c.id
		JOIN street.person p ON p.grid_id = g.id
		ORDER BY o.id, g.id, m.id, p.id LIMIT 1`).Scan(&f.stationPK, &officer, &f.gridPK, &committee, &mediator, &person)
	if err != nil {
		t.Fatalf("pick fixtures: %v", err)
	}
	f.station = globalid.Encode("Station", f.stationPK)
	f.officer = globalid.Encode("Officer", officer)
	f.grid = globalid.Encode("Grid", f.gridPK)
	f.committee = globalid.Encode("Committee", committee)
	f.mediator = globalid.Encode("Mediator", mediator)
	f.person = globalid.Encode("Person", person)
	return f
}

// entity is the id, status and version a payload returns.
type entity struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Version int    `json:"version"`
}

// mutate runs one mutation `name(input: $in) { field { id status version } }` and returns
// the entity, failing the test on errors.
func mutate(t *testing.T, hub *hubtest.Hub, name, inputType, field string, in map[string]any) entity {
	t.Helper()
	res := hub.Query(t, fmt.Sprintf(`mutation($in: %s!) { m: %s(input: $in) { e: %s { id status version } } }`, inputType, name, field),
		map[string]any{"in": in})
	var d struct {
		M struct{ E entity }
	}
	res.MustData(t, &d)
	return d.M.E
}

// try runs a mutation and returns its response, errors included.
func try(t *testing.T, hub *hubtest.Hub, name, inputType, selection string, in map[string]any) *hubtest.Response {
	t.Helper()
	return hub.Query(t, fmt.Sprintf(`mutation($in: %s!) { m: %s(input: $in) { %s } }`, inputType, name, selection), map[string]any{"in": in})
}

// decode unmarshals raw JSON into v.
func decode(t *testing.T, raw json.RawMessage, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
}
