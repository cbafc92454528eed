package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// World is a small set of reference rows, inserted into a test's transaction, that domain
// commands build on: a community with two grids (an estate in the first), a station covering
// the community with one officer, a STREET committee with one mediator, and three persons of
// the first grid.
type World struct {
	Community, Grid, OtherGrid, Estate int64
	Station, Officer                   int64
	Committee, Mediator                int64
	Persons                            [3]int64
}

// NewWorld inserts a World into tx. Codes and names carry a random suffix, so tests in
// parallel transactions never wait on each other's unique keys.
func NewWorld(t testing.TB, tx pgx.Tx) World {
	t.Helper()
	ctx := context.Background()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	sfx := strings.ToUpper(hex.EncodeToString(b))
	var w World
	type step struct {
		sql  string
		args []any // *int64 arguments are read when the step runs (IDs of earlier steps)
		dest *int64
	}
	steps := []step{
		{"INSERT INTO street.community (code, name) VALUES ($1, 'Test community') RETURNING id", []any{"C" + sfx}, &w.Community},
		{"INSERT INTO street.grid (community_id, code, name, kind) VALUES ($1, $2, 'Test grid', 'BASIC') RETURNING id", []any{&w.Community, "G" + sfx + "-1"}, &w.Grid},
		{"INSERT INTO street.grid (community_id, code, name, kind) VALUES ($1, $2, 'Other grid', 'BASIC') RETURNING id", []any{&w.Community, "G" + sfx + "-2"}, &w.OtherGrid},
		{"INSERT INTO street.estate (community_id, grid_id, name, households, management_mode) VALUES ($1, $2, 'Test estate', 10, 'SELF_MANAGED') RETURNING id", []any{&w.Community, &w.Grid}, &w.Estate},
		{"INSERT INTO police.station (code, name) VALUES ($1, 'Test station') RETURNING id", []any{"S" + sfx}, &w.Station},
		{"INSERT INTO police.station_community (station_id, community_id) VALUES ($1, $2) RETURNING station_id", []any{&w.Station, &w.Community}, new(int64)},
		{"INSERT INTO police.officer (badge_no, name, rank, station_id, duty) VALUES ($1, 'Test officer', 'CONSTABLE', $2, 'PATROL') RETURNING id", []any{"B" + sfx, &w.Station}, &w.Officer},
		{"INSERT INTO mediation.committee (name, level) VALUES ($1, 'STREET') RETURNING id", []any{"Test committee " + sfx}, &w.Committee},
	}
	for i := range w.Persons {
		steps = append(steps, step{"INSERT INTO street.person (name, gender, grid_id) VALUES ($1, 'UNKNOWN', $2) RETURNING id", []any{"Test person " + string(rune('A'+i)), &w.Grid}, &w.Persons[i]})
	}
	steps = append(steps, step{"INSERT INTO mediation.mediator (person_id, committee_id, kind) VALUES ($1, $2, 'COMMUNITY_NOTABLE') RETURNING id", []any{&w.Persons[2], &w.Committee}, &w.Mediator})
	for _, s := range steps {
		args := make([]any, len(s.args))
		for i, a := range s.args {
			if p, ok := a.(*int64); ok {
				a = *p
			}
			args[i] = a
		}
		if err := tx.QueryRow(ctx, s.sql, args...).Scan(s.dest); err != nil {
			t.Fatalf("dbtest: world: %s: %v", s.sql, err)
		}
	}
	return w
}
