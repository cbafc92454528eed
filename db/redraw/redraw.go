// Package redraw reshapes the grid map as one transaction: a grid is split (some of its
// estates, with their records, persons, grid workers and officers, go to a new grid), merged
// into another (everything goes, the grid is retired) or moved to another community. Each
// redraw ends the grid versions it changes and opens new ones from its effective instant,
// reassigns the current grid of every row it concerns, and is logged in street.grid_redraw;
// the grid version each record belonged to when it happened (grid_version_id) is never
// rewritten for what happened before the redraw, so the past keeps its figures. Its
// statements are in queries/redraw.sql (sqlc); a violation of the grid's constraints is
// mapped by its name (violations.go).
package redraw

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"civiclink/db/redraw/sqlcdb"
	"civiclink/db/workflow"
	"civiclink/internal/clock"
	"civiclink/internal/validate"

	"github.com/jackc/pgx/v5"
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
	r := &run{tx: tx, q: sqlcdb.New(tx), p: p, day: clock.DateOf(p.At), details: map[string]int64{}}
	g, err := r.lock(ctx, "gridId", p.GridID)
	if err != nil {
		return Result{}, err
	}
	if r.id, err = r.q.InsertRedraw(ctx, sqlcdb.InsertRedrawParams{Kind: p.Kind, EffectiveAt: p.At, Reason: p.Reason, Actor: p.Actor}); err != nil {
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
	// The records of the grids that happened from the redraw on take the versions now in
	// force (a redraw effective now changes none; the demo seed's past redraw changes those
	// after it); what happened before keeps its version.
	if err := r.count("reattributed", func() (int64, error) {
		return r.q.Reattribute(ctx, sqlcdb.ReattributeParams{Grids: grids, At: p.At})
	}); err != nil {
		return Result{}, err
	}
	details, err := json.Marshal(r.details)
	if err != nil {
		return Result{}, fmt.Errorf("redraw details: %w", err)
	}
	if err := r.q.SetRedrawDetails(ctx, sqlcdb.SetRedrawDetailsParams{ID: r.id, Details: details}); err != nil {
		return Result{}, fmt.Errorf("log redraw details: %w", err)
	}
	return Result{RedrawID: r.id, GridIDs: grids}, nil
}

type run struct {
	tx      pgx.Tx
	q       *sqlcdb.Queries
	p       Plan
	id      int64
	day     time.Time // the office's day of the redraw: appointments end and start on it
	details map[string]int64
}

// count runs one step and counts the rows it touched under name.
func (r *run) count(name string, step func() (int64, error)) error {
	n, err := step()
	if err != nil {
		return fmt.Errorf("redraw: %s: %w", name, err)
	}
	r.details[name] += n
	return nil
}

func (r *run) lock(ctx context.Context, field string, id int64) (grid, error) {
	g := grid{id: id}
	row, err := r.q.LockGrid(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return g, &workflow.NotFoundError{Field: field, What: "grid"}
	}
	if err != nil {
		return g, fmt.Errorf("lock grid %d: %w", id, err)
	}
	if row.RetiredAt != nil {
		return g, validate.Field(field, "the grid was retired by an earlier merge")
	}
	g.community = row.CommunityID
	return g, nil
}

// newVersion ends the grid's current version at the redraw and opens the next one in
// community.
func (r *run) newVersion(ctx context.Context, gridID, community int64) error {
	if err := r.endVersion(ctx, gridID); err != nil {
		return err
	}
	return r.count("versions", func() (int64, error) {
		return r.q.OpenGridVersion(ctx, sqlcdb.OpenGridVersionParams{GridID: gridID, CommunityID: community, ValidFrom: r.p.At, RedrawID: r.id})
	})
}

func (r *run) endVersion(ctx context.Context, gridID int64) error {
	n, err := r.q.EndGridVersion(ctx, sqlcdb.EndGridVersionParams{GridID: gridID, At: r.p.At})
	if err != nil {
		return fmt.Errorf("redraw: endedVersions: %w", err)
	}
	r.details["endedVersions"] += n
	if n != 1 {
		return validate.Field("effectiveAt", "the grid's current version starts after the redraw")
	}
	return nil
}

// moves are the steps that take a grid's estates, persons and grid workers to another grid:
// those named (whole false) or all of them (whole true).
func (r *run) moves(ctx context.Context, from, to, community int64, whole bool) error {
	p := r.p
	for _, s := range []struct {
		name string
		run  func() (int64, error)
	}{
		{"estates", func() (int64, error) {
			return r.q.MoveEstates(ctx, sqlcdb.MoveEstatesParams{FromGrid: from, ToGrid: to, CommunityID: community, Whole: whole, Ids: p.EstateIDs})
		}},
		{"persons", func() (int64, error) {
			return r.q.MovePersons(ctx, sqlcdb.MovePersonsParams{FromGrid: from, ToGrid: to, Whole: whole, Ids: p.PersonIDs})
		}},
		{"gridWorkers", func() (int64, error) {
			return r.q.CopyGridWorkers(ctx, sqlcdb.CopyGridWorkersParams{FromGrid: from, ToGrid: to, Day: r.day, Whole: whole, Ids: p.GridWorkerIDs})
		}},
		{"endedAppointments", func() (int64, error) {
			return r.q.EndGridWorkers(ctx, sqlcdb.EndGridWorkersParams{FromGrid: from, Day: r.day, Whole: whole, Ids: p.GridWorkerIDs})
		}},
		{"records", func() (int64, error) {
			return r.q.MoveRecords(ctx, sqlcdb.MoveRecordsParams{FromGrid: from, ToGrid: to, Whole: whole, EstateIds: p.EstateIDs})
		}},
	} {
		if err := r.count(s.name, s.run); err != nil {
			return err
		}
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
		field, msg string
		ids        []int64
		count      func() (int64, error)
	}{
		{"estateIds", "lists rows that are not of the grid (or twice)", p.EstateIDs, func() (int64, error) {
			return r.q.CountEstatesOfGrid(ctx, sqlcdb.CountEstatesOfGridParams{Ids: p.EstateIDs, GridID: g.id})
		}},
		{"personIds", "lists rows that are not of the grid (or twice)", p.PersonIDs, func() (int64, error) {
			return r.q.CountPersonsOfGrid(ctx, sqlcdb.CountPersonsOfGridParams{Ids: p.PersonIDs, GridID: g.id})
		}},
		{"gridWorkerIds", "lists grid workers not active in the grid (or twice)", p.GridWorkerIDs, func() (int64, error) {
			return r.q.CountActiveGridWorkers(ctx, sqlcdb.CountActiveGridWorkersParams{Ids: p.GridWorkerIDs, GridID: g.id, Day: r.day})
		}},
	} {
		if len(c.ids) == 0 {
			continue
		}
		n, err := c.count()
		if err != nil {
			return nil, fmt.Errorf("redraw: check %s: %w", c.field, err)
		}
		if n != int64(len(c.ids)) {
			return nil, validate.Field(c.field, "%s", c.msg)
		}
	}
	var v validate.V
	v.Text("newGrid.code", p.NewGrid.Code, 1, 32)
	v.Text("newGrid.name", p.NewGrid.Name, 1, 200)
	if err := v.Err(); err != nil {
		return nil, err
	}
	n, err := r.q.InsertGrid(ctx, sqlcdb.InsertGridParams{CommunityID: community, Code: p.NewGrid.Code, Name: p.NewGrid.Name, Kind: p.NewGrid.Kind})
	if err != nil {
		return nil, violations.Map(fmt.Errorf("redraw: new grid: %w", err))
	}
	if err := r.count("versions", func() (int64, error) {
		return r.q.DateNewGrid(ctx, sqlcdb.DateNewGridParams{GridID: n, ValidFrom: p.At, RedrawID: r.id})
	}); err != nil {
		return nil, err
	}
	if err := r.newVersion(ctx, g.id, g.community); err != nil {
		return nil, err
	}
	if err := r.moves(ctx, g.id, n, community, false); err != nil {
		return nil, err
	}
	if err := r.count("officers", func() (int64, error) {
		return r.q.CopyOfficers(ctx, sqlcdb.CopyOfficersParams{FromGrid: g.id, ToGrid: n, Ids: p.OfficerIDs})
	}); err != nil {
		return nil, err
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
	if err := r.count("retired", func() (int64, error) {
		return r.q.RetireGrid(ctx, sqlcdb.RetireGridParams{ID: g.id, RetiredAt: r.p.At})
	}); err != nil {
		return nil, err
	}
	if err := r.newVersion(ctx, into.id, into.community); err != nil {
		return nil, err
	}
	if err := r.moves(ctx, g.id, into.id, into.community, true); err != nil {
		return nil, err
	}
	for _, s := range []struct {
		name string
		run  func() (int64, error)
	}{
		{"officers", func() (int64, error) {
			return r.q.MoveOfficers(ctx, sqlcdb.MoveOfficersParams{FromGrid: g.id, ToGrid: into.id})
		}},
		{"assessments", func() (int64, error) {
			return r.q.MoveAssessments(ctx, sqlcdb.MoveAssessmentsParams{FromGrid: g.id, ToGrid: into.id})
		}},
	} {
		if err := r.count(s.name, s.run); err != nil {
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
	if err := workflow.MustExist(ctx, r.tx, "street.community", &to, "communityId", "community"); err != nil {
		return nil, err
	}
	if err := r.count("grids", func() (int64, error) { return r.q.MoveGrid(ctx, sqlcdb.MoveGridParams{ID: g.id, CommunityID: to}) }); err != nil {
		return nil, err
	}
	if err := r.newVersion(ctx, g.id, to); err != nil {
		return nil, err
	}
	if err := r.count("estates", func() (int64, error) {
		return r.q.MoveGridEstates(ctx, sqlcdb.MoveGridEstatesParams{GridID: g.id, CommunityID: to})
	}); err != nil {
		return nil, err
	}
	return []int64{g.id}, nil
}
