// Package redraw reshapes the grid map as one transaction: a grid is split (some of its
// estates, with their records, persons, grid workers and officers, go to a new grid), merged
// into another (everything goes, the grid is retired) or moved to another community. Each
// redraw ends the grid versions it changes and opens new ones from its effective instant,
// reassigns the current grid of every row it concerns, and is logged in street.grid_redraw;
// the grid version each record belonged to when it happened (grid_version_id) is never
// rewritten for what happened before the redraw, so the past keeps its figures.
package redraw

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"civiclink/db/workflow"
	"civiclink/internal/clock"
	"civiclink/internal/validate"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The kinds of redraw.
const (
	Split = "SPLIT"
	Merge = "MERGE"
	Move  = "MOVE"
)

// NewGrid is the grid a split creates.
type NewGrid struct {
	Code, Name, Kind string
}

// Plan is one redraw.
type Plan struct {
	Kind   string
	GridID int64
	// NewGrid is the grid a SPLIT creates, in CommunityID when given, else in the grid's.
	NewGrid *NewGrid
	// IntoGridID is the grid a MERGE merges the grid into.
	IntoGridID *int64
	// CommunityID is where a MOVE moves the grid (or a SPLIT puts the new grid).
	CommunityID *int64
	// EstateIDs, PersonIDs and GridWorkerIDs of the grid go to the new grid of a SPLIT;
	// OfficerIDs of the grid cover it too. A MERGE takes everything; a MOVE nothing.
	EstateIDs, PersonIDs, GridWorkerIDs, OfficerIDs []int64
	// At is when the redraw takes effect: records from then on belong to the new versions;
	// zero is now.
	At     time.Time
	Reason string
	// Actor is who redraws, in the log; "" is the caller of ctx.
	Actor string
}

// Result names what a redraw wrote.
type Result struct {
	RedrawID int64 `json:"redraw"`
	// GridIDs are the grids it changed (the new grid of a split last).
	GridIDs []int64 `json:"grids"`
}

// records are the tables whose rows keep their grid of the time, with the column of when
// each happened.
var records = []struct{ table, at string }{
	{`police."case"`, "received_at"},
	{"street.grid_event", "reported_at"},
	{"mediation.dispute", "received_at"},
	{"risk.risk_item", "identified_at"},
}

type grid struct {
	id, community int64
}

// Apply carries out plan p inside tx: the redrawGrid mutation's command (ADMIN only, which
// access.MayMutate checks before), and the demo seed's past redraw.
func Apply(ctx context.Context, tx pgx.Tx, p Plan) (Result, error) {
	if p.At.IsZero() {
		p.At = clock.Now(ctx)
	}
	if p.Actor == "" {
		p.Actor = workflow.Actor(ctx)
	}
	var v validate.V
	v.Text("reason", p.Reason, 1, 2000)
	switch p.Kind {
	case Split:
		v.Check(p.NewGrid != nil, "newGrid", "is required to split a grid")
		v.Check(len(p.EstateIDs) > 0, "estateIds", "must name at least one estate to split off")
		v.Check(p.IntoGridID == nil, "intoGridId", "is only for MERGE")
	case Merge:
		v.Check(p.IntoGridID != nil, "intoGridId", "is required to merge a grid")
		v.Check(p.IntoGridID == nil || *p.IntoGridID != p.GridID, "intoGridId", "must be another grid")
		v.Check(p.NewGrid == nil && len(p.EstateIDs)+len(p.PersonIDs)+len(p.GridWorkerIDs)+len(p.OfficerIDs) == 0, "estateIds",
			"a merge takes everything of the grid; name nothing")
	case Move:
		v.Check(p.CommunityID != nil, "communityId", "is required to move a grid")
		v.Check(p.NewGrid == nil && len(p.EstateIDs)+len(p.PersonIDs)+len(p.GridWorkerIDs)+len(p.OfficerIDs) == 0, "estateIds",
			"a move keeps everything of the grid; name nothing")
	default:
		v.Add("kind", "unknown redraw kind %s", p.Kind)
	}
	if err := v.Err(); err != nil {
		return Result{}, err
	}
	r := &run{tx: tx, p: p, details: map[string]int64{}}
	g, err := r.lock(ctx, "gridId", p.GridID)
	if err != nil {
		return Result{}, err
	}
	if err := tx.QueryRow(ctx, `INSERT INTO street.grid_redraw (kind, effective_at, reason, actor) VALUES ($1, $2, $3, $4) RETURNING id`,
		p.Kind, p.At, p.Reason, p.Actor).Scan(&r.id); err != nil {
		return Result{}, fmt.Errorf("log redraw: %w", err)
	}
	var grids []int64
	switch p.Kind {
	case Split:
		grids, err = r.split(ctx, g)
	case Merge:
		grids, err = r.merge(ctx, g)
	case Move:
		grids, err = r.move(ctx, g)
	}
	if err != nil {
		return Result{}, err
	}
	if err := r.reattribute(ctx, grids); err != nil {
		return Result{}, err
	}
	details, err := json.Marshal(r.details)
	if err != nil {
		return Result{}, fmt.Errorf("redraw details: %w", err)
	}
	if _, err := tx.Exec(ctx, "UPDATE street.grid_redraw SET details = $2 WHERE id = $1", r.id, details); err != nil {
		return Result{}, fmt.Errorf("log redraw details: %w", err)
	}
	return Result{RedrawID: r.id, GridIDs: grids}, nil
}

type run struct {
	tx      pgx.Tx
	p       Plan
	id      int64
	details map[string]int64
}

// exec runs one statement and counts the rows it touched under name.
func (r *run) exec(ctx context.Context, name, sql string, args ...any) (int64, error) {
	tag, err := r.tx.Exec(ctx, sql, args...)
	if err != nil {
		return 0, fmt.Errorf("redraw: %s: %w", name, err)
	}
	r.details[name] += tag.RowsAffected()
	return tag.RowsAffected(), nil
}

func (r *run) lock(ctx context.Context, field string, id int64) (grid, error) {
	g := grid{id: id}
	var retired *time.Time
	err := r.tx.QueryRow(ctx, "SELECT community_id, retired_at FROM street.grid WHERE id = $1 FOR UPDATE", id).Scan(&g.community, &retired)
	if errors.Is(err, pgx.ErrNoRows) {
		return g, &workflow.NotFoundError{Field: field, What: "grid"}
	}
	if err != nil {
		return g, fmt.Errorf("lock grid %d: %w", id, err)
	}
	if retired != nil {
		return g, validate.Field(field, "the grid was retired by an earlier merge")
	}
	return g, nil
}

// newVersion ends the grid's current version at the redraw and opens the next one in
// community.
func (r *run) newVersion(ctx context.Context, gridID, community int64) error {
	if err := r.endVersion(ctx, gridID); err != nil {
		return err
	}
	_, err := r.exec(ctx, "versions", `INSERT INTO street.grid_version (grid_id, version, community_id, code, name, valid_from, redraw_id)
		SELECT g.id, (SELECT max(version) + 1 FROM street.grid_version WHERE grid_id = g.id), $2, g.code, g.name, $3, $4
		FROM street.grid g WHERE g.id = $1`, gridID, community, r.p.At, r.id)
	return err
}

func (r *run) endVersion(ctx context.Context, gridID int64) error {
	n, err := r.exec(ctx, "endedVersions", "UPDATE street.grid_version SET valid_to = $2 WHERE grid_id = $1 AND valid_to IS NULL AND valid_from <= $2", gridID, r.p.At)
	if err == nil && n != 1 {
		return validate.Field("effectiveAt", "the grid's current version starts after the redraw")
	}
	return err
}

// all checks that every id of ids is a row of table in grid from (field names them).
func (r *run) all(ctx context.Context, field, table string, ids []int64, from int64, extra string) error {
	if len(ids) == 0 {
		return nil
	}
	var n int
	if err := r.tx.QueryRow(ctx, "SELECT count(DISTINCT id) FROM "+table+" WHERE id = ANY($1) AND grid_id = $2"+extra, ids, from).Scan(&n); err != nil {
		return fmt.Errorf("redraw: check %s: %w", field, err)
	}
	if n != len(ids) {
		return validate.Field(field, "lists rows that are not of the grid (or twice)")
	}
	return nil
}

func (r *run) split(ctx context.Context, g grid) ([]int64, error) {
	p := r.p
	community := g.community
	if p.CommunityID != nil {
		community = *p.CommunityID
	}
	for _, c := range []struct {
		field, table string
		ids          []int64
		extra        string
	}{
		{"estateIds", "street.estate", p.EstateIDs, ""},
		{"personIds", "street.person", p.PersonIDs, ""},
		{"gridWorkerIds", "street.grid_worker", p.GridWorkerIDs, " AND (active_to IS NULL OR active_to >= $3::date)"},
	} {
		if c.extra != "" {
			var n int
			if len(c.ids) > 0 {
				if err := r.tx.QueryRow(ctx, "SELECT count(DISTINCT id) FROM "+c.table+" WHERE id = ANY($1) AND grid_id = $2"+c.extra, c.ids, g.id, p.At).Scan(&n); err != nil {
					return nil, fmt.Errorf("redraw: check %s: %w", c.field, err)
				}
				if n != len(c.ids) {
					return nil, validate.Field(c.field, "lists grid workers not active in the grid (or twice)")
				}
			}
			continue
		}
		if err := r.all(ctx, c.field, c.table, c.ids, g.id, ""); err != nil {
			return nil, err
		}
	}
	var v validate.V
	v.Text("newGrid.code", p.NewGrid.Code, 1, 32)
	v.Text("newGrid.name", p.NewGrid.Name, 1, 200)
	if err := v.Err(); err != nil {
		return nil, err
	}
	var n int64
	err := r.tx.QueryRow(ctx, "INSERT INTO street.grid (community_id, code, name, kind) VALUES ($1, $2, $3, $4) RETURNING id",
		community, p.NewGrid.Code, p.NewGrid.Name, p.NewGrid.Kind).Scan(&n)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "23505" || pgErr.Code == "23514") {
		return nil, validate.Field("newGrid.code", "is taken or not a grid code (A-Z, 0-9 and -)")
	}
	if errors.As(err, &pgErr) && pgErr.Code == "23503" {
		return nil, &workflow.NotFoundError{Field: "communityId", What: "community"}
	}
	if err != nil {
		return nil, fmt.Errorf("redraw: new grid: %w", err)
	}
	if _, err := r.exec(ctx, "versions", "UPDATE street.grid_version SET valid_from = $2, redraw_id = $3 WHERE grid_id = $1", n, p.At, r.id); err != nil {
		return nil, err
	}
	if err := r.newVersion(ctx, g.id, g.community); err != nil {
		return nil, err
	}
	day := p.At.In(clock.Office).Format(time.DateOnly)
	steps := []struct {
		name, sql string
		args      []any
	}{
		{"estates", "UPDATE street.estate SET grid_id = $2, community_id = $3 WHERE grid_id = $1 AND id = ANY($4)", []any{g.id, n, community, p.EstateIDs}},
		{"persons", "UPDATE street.person SET grid_id = $2 WHERE grid_id = $1 AND id = ANY($3)", []any{g.id, n, p.PersonIDs}},
		{"gridWorkers", `INSERT INTO street.grid_worker (person_id, grid_id, post, active_from)
			SELECT person_id, $2, post, $4::date FROM street.grid_worker WHERE grid_id = $1 AND id = ANY($3)`, []any{g.id, n, p.GridWorkerIDs, day}},
		{"endedAppointments", "UPDATE street.grid_worker SET active_to = greatest(active_from, $3::date) WHERE grid_id = $1 AND id = ANY($2)", []any{g.id, p.GridWorkerIDs, day}},
		{"officers", `INSERT INTO police.officer_grid (officer_id, grid_id, role)
			SELECT officer_id, $2, role FROM police.officer_grid WHERE grid_id = $1 AND officer_id = ANY($3) ON CONFLICT DO NOTHING`, []any{g.id, n, p.OfficerIDs}},
	}
	for _, s := range steps {
		if _, err := r.exec(ctx, s.name, s.sql, s.args...); err != nil {
			return nil, err
		}
	}
	for _, rec := range records {
		if _, err := r.exec(ctx, "records", "UPDATE "+rec.table+" SET grid_id = $2 WHERE grid_id = $1 AND estate_id = ANY($3)", g.id, n, p.EstateIDs); err != nil {
			return nil, err
		}
	}
	return []int64{g.id, n}, nil
}

func (r *run) merge(ctx context.Context, g grid) ([]int64, error) {
	into, err := r.lock(ctx, "intoGridId", *r.p.IntoGridID)
	if err != nil {
		return nil, err
	}
	if err := r.endVersion(ctx, g.id); err != nil {
		return nil, err
	}
	if _, err := r.exec(ctx, "retired", "UPDATE street.grid SET retired_at = $2 WHERE id = $1", g.id, r.p.At); err != nil {
		return nil, err
	}
	if err := r.newVersion(ctx, into.id, into.community); err != nil {
		return nil, err
	}
	day := r.p.At.In(clock.Office).Format(time.DateOnly)
	steps := []struct {
		name, sql string
		args      []any
	}{
		{"estates", "UPDATE street.estate SET grid_id = $2, community_id = $3 WHERE grid_id = $1", []any{g.id, into.id, into.community}},
		{"persons", "UPDATE street.person SET grid_id = $2 WHERE grid_id = $1", []any{g.id, into.id}},
		{"gridWorkers", `INSERT INTO street.grid_worker (person_id, grid_id, post, active_from)
			SELECT person_id, $2, post, $3::date FROM street.grid_worker WHERE grid_id = $1 AND (active_to IS NULL OR active_to >= $3::date)`, []any{g.id, into.id, day}},
		{"endedAppointments", "UPDATE street.grid_worker SET active_to = greatest(active_from, $2::date) WHERE grid_id = $1 AND (active_to IS NULL OR active_to >= $2::date)", []any{g.id, day}},
		{"officers", `UPDATE police.officer_grid og SET grid_id = $2 WHERE og.grid_id = $1
			AND NOT EXISTS (SELECT 1 FROM police.officer_grid o2 WHERE o2.officer_id = og.officer_id AND o2.grid_id = $2)`, []any{g.id, into.id}},
		{"assessments", "UPDATE risk.assessment SET grid_id = $2 WHERE grid_id = $1", []any{g.id, into.id}},
	}
	for _, s := range steps {
		if _, err := r.exec(ctx, s.name, s.sql, s.args...); err != nil {
			return nil, err
		}
	}
	for _, rec := range records {
		if _, err := r.exec(ctx, "records", "UPDATE "+rec.table+" SET grid_id = $2 WHERE grid_id = $1", g.id, into.id); err != nil {
			return nil, err
		}
	}
	return []int64{g.id, into.id}, nil
}

func (r *run) move(ctx context.Context, g grid) ([]int64, error) {
	to := *r.p.CommunityID
	if to == g.community {
		return nil, validate.Field("communityId", "is the grid's community already")
	}
	var ok bool
	if err := r.tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM street.community WHERE id = $1)", to).Scan(&ok); err != nil {
		return nil, fmt.Errorf("redraw: community: %w", err)
	}
	if !ok {
		return nil, &workflow.NotFoundError{Field: "communityId", What: "community"}
	}
	if _, err := r.exec(ctx, "grids", "UPDATE street.grid SET community_id = $2 WHERE id = $1", g.id, to); err != nil {
		return nil, err
	}
	if err := r.newVersion(ctx, g.id, to); err != nil {
		return nil, err
	}
	if _, err := r.exec(ctx, "estates", "UPDATE street.estate SET community_id = $2 WHERE grid_id = $1", g.id, to); err != nil {
		return nil, err
	}
	return []int64{g.id}, nil
}

// reattribute gives the records of grids that happened from the redraw on the versions now in
// force (a redraw effective now changes none; the demo seed's past redraw changes those after
// it); what happened before keeps its version.
func (r *run) reattribute(ctx context.Context, grids []int64) error {
	for _, rec := range records {
		_, err := r.exec(ctx, "reattributed", `UPDATE `+rec.table+` t SET grid_version_id = v.id FROM street.grid_version v
			WHERE v.grid_id = t.grid_id AND v.valid_to IS NULL AND t.grid_id = ANY($1) AND t.`+rec.at+` >= $2
			AND t.grid_version_id IS DISTINCT FROM v.id`, grids, r.p.At)
		if err != nil {
			return err
		}
	}
	return nil
}
