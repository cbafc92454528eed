// Package gridevent holds the street office's grid-event commands: reporting an event,
// moving it along its workflow, and converting it into a mediation dispute or a police case.
// Each takes the mutation's transaction and a typed input (IDs already decoded), checks it
// against the rules and the records, writes, and returns the IDs of the rows it wrote, with
// errors in the API's vocabulary (see db/mediation/commands.go); a constraint violation is
// mapped by its name (violations.go). Its statements are db/street's (queries/gridevent.sql).
//
// It sits below db/street rather than in it because a conversion opens its dispute and its
// case through the mediation and police commands, and those import db/street (to check a
// record's place, to add a person).
package gridevent

import (
	"context"
	"fmt"
	"time"

	"civiclink/db/mediation"
	"civiclink/db/police"
	"civiclink/db/rules"
	"civiclink/db/street"
	"civiclink/db/street/sqlcdb"
	"civiclink/db/workflow"
	"civiclink/internal/access"
	"civiclink/internal/auth"
	"civiclink/internal/clock"
	"civiclink/internal/events"
	"civiclink/internal/validate"

	"github.com/jackc/pgx/v5"
)

// Written names a grid event a command changed.
type Written struct {
	GridEvent int64 `json:"gridEvent"`
}

// Converted names a converted grid event and the dispute or the case it became.
type Converted struct {
	GridEvent int64  `json:"gridEvent"`
	Dispute   *int64 `json:"dispute,omitempty"`
	Case      *int64 `json:"case,omitempty"`
}

// NewGridEvent is an event a grid worker (or the street office) reports in a grid.
type NewGridEvent struct {
	GridID               int64
	EstateID, ReporterID *int64
	Category, Urgency    string
	Summary              string
	// ReportedAt nil is now; it is not in the future.
	ReportedAt *time.Time
	// DueAt nil is due by the GRID_EVENT_DUE_<urgency> rule in force when reported; it is not
	// before ReportedAt.
	DueAt *time.Time
}

// Report records a grid event in status REPORTED, with its first status-log row, and
// announces it (GRID_EVENT_REPORTED, with its urgency and grid) to the subscribers who may
// see it, in the same transaction. A grid worker reports in their own grids; the estate lies
// in the grid and the reporter is one of its grid workers.
func Report(ctx context.Context, tx pgx.Tx, e NewGridEvent) (Written, error) {
	now := clock.Now(ctx)
	reported := now
	if e.ReportedAt != nil {
		reported = *e.ReportedAt
	}
	var v validate.V
	v.Text("summary", e.Summary, 1, 2000)
	v.NotFuture("reportedAt", reported, now)
	if e.DueAt != nil {
		v.NotBefore("dueAt", *e.DueAt, reported, "reportedAt")
	}
	if err := v.Err(); err != nil {
		return Written{}, err
	}
	if err := access.OwnGrid(auth.FromContext(ctx), "gridId", e.GridID); err != nil {
		return Written{}, err
	}
	if err := street.CheckPlace(ctx, tx, &e.GridID, e.EstateID); err != nil {
		return Written{}, err
	}
	q := sqlcdb.New(tx)
	if e.ReporterID != nil {
		ok, err := q.ReporterOfGrid(ctx, sqlcdb.ReporterOfGridParams{ReporterID: *e.ReporterID, GridID: e.GridID})
		if err != nil {
			return Written{}, fmt.Errorf("check reporter: %w", err)
		}
		if !ok {
			return Written{}, validate.Field("reporterId", "is not a grid worker of the grid")
		}
	}
	no, err := workflow.NextNumber(ctx, tx, "E", reported.Year(), 6)
	if err != nil {
		return Written{}, err
	}
	id, err := q.InsertGridEvent(ctx, sqlcdb.InsertGridEventParams{EventNo: no, GridID: e.GridID, EstateID: e.EstateID, ReporterID: e.ReporterID,
		Category: e.Category, Urgency: e.Urgency, Summary: e.Summary, ReportedAt: reported, DueAt: e.DueAt, DueRule: rules.GridEventDue + e.Urgency})
	if err != nil {
		return Written{}, violations.Map(fmt.Errorf("insert grid event: %w", err))
	}
	if err := workflow.GridEvents.Created(ctx, tx, id, workflow.Actor(ctx)); err != nil {
		return Written{}, err
	}
	status := workflow.GridEventMachine.Initial
	ev := events.Event{Kind: events.GridEventReported, EntityType: "GridEvent", EntityID: id, ToStatus: &status, Urgency: &e.Urgency,
		Actor: workflow.Actor(ctx), GridID: &e.GridID}
	return Written{GridEvent: id}, events.Emit(ctx, tx, ev)
}

// Move is a status change of a grid event.
type Move struct {
	GridEventID int64
	Version     int
	To          string
	Reason      *string
}

// Advance moves a grid event along its workflow (CONVERTED only through Convert).
func Advance(ctx context.Context, tx pgx.Tx, m Move) (Written, error) {
	if m.To == "CONVERTED" {
		return Written{}, validate.Field("to", "use convertGridEvent to convert an event into a dispute or a case")
	}
	var v validate.V
	v.OptText("reason", m.Reason, 2000)
	if err := v.Err(); err != nil {
		return Written{}, err
	}
	if err := access.InScope(ctx, tx, "gridEventId", workflow.GridEvents.Table, access.GridEvents, m.GridEventID); err != nil {
		return Written{}, err
	}
	_, err := workflow.GridEvents.Transition(ctx, tx, workflow.Change{ID: m.GridEventID, Version: m.Version, To: m.To, Actor: workflow.Actor(ctx), Reason: m.Reason})
	if err != nil {
		return Written{}, violations.Map(err)
	}
	return Written{GridEvent: m.GridEventID}, nil
}

// What a grid event is converted into.
const (
	IntoDispute = "DISPUTE"
	IntoCase    = "CASE"
)

// Conversion turns an open grid event into a dispute of a committee or a case of a station.
type Conversion struct {
	GridEventID int64
	Version     int
	// Into is IntoDispute (CommitteeID and DisputeCategory required) or IntoCase
	// (CaseCategory required; StationID nil is the station covering the event's grid).
	Into            string
	CommitteeID     *int64
	DisputeCategory *string
	StationID       *int64
	CaseCategory    *string
	Reason          *string
}

// Convert converts an open grid event into a GRID_REPORT dispute (through
// mediation.OpenDispute) or a TRANSFER call case (through police.OpenCase), in the event's
// grid and estate, received now, and keeps the link; the event moves to CONVERTED and
// GRID_EVENT_CONVERTED is announced. The dispute or case is opened only once the event is
// locked and the step known to be legal, so a refused conversion writes nothing.
func Convert(ctx context.Context, tx pgx.Tx, c Conversion) (Converted, error) {
	var v validate.V
	switch c.Into {
	case IntoDispute:
		v.Check(c.CommitteeID != nil, "committeeId", "is required to convert into a dispute")
		v.Check(c.DisputeCategory != nil, "disputeCategory", "is required to convert into a dispute")
		c.StationID = nil
	case IntoCase:
		v.Check(c.CaseCategory != nil, "caseCategory", "is required to convert into a case")
		c.CommitteeID = nil
	default:
		v.Add("into", "is not DISPUTE or CASE")
	}
	v.OptText("reason", c.Reason, 2000)
	if err := v.Err(); err != nil {
		return Converted{}, err
	}
	if err := access.InScope(ctx, tx, "gridEventId", workflow.GridEvents.Table, access.GridEvents, c.GridEventID); err != nil {
		return Converted{}, err
	}
	if err := workflow.MustExist(ctx, tx, "mediation.committee", c.CommitteeID, "committeeId", "committee"); err != nil {
		return Converted{}, err
	}
	if err := workflow.MustExist(ctx, tx, "police.station", c.StationID, "stationId", "station"); err != nil {
		return Converted{}, err
	}
	out := Converted{GridEvent: c.GridEventID}
	station := c.StationID
	var grid int64
	// The record the event becomes; the UPDATE of the transition reads it once open opened it.
	var opened int64
	set := workflow.Set{Column: "converted_dispute_id", Value: &opened}
	if c.Into == IntoCase {
		set.Column = "converted_case_id"
	}
	open := func() error {
		q := sqlcdb.New(tx)
		e, err := q.GridEventPlace(ctx, c.GridEventID)
		if err != nil {
			return fmt.Errorf("read grid event %d: %w", c.GridEventID, err)
		}
		grid = e.GridID
		if c.Into == IntoDispute {
			opened, err = mediation.OpenDispute(ctx, tx, mediation.NewDispute{CommitteeID: *c.CommitteeID, Source: "GRID_REPORT", GridEventID: &c.GridEventID,
				GridID: &e.GridID, EstateID: e.EstateID, Category: *c.DisputeCategory, Difficulty: "ORDINARY", Summary: e.Summary})
			out.Dispute = &opened
			return err
		}
		if station == nil {
			covering, err := q.StationCoveringGrid(ctx, e.GridID)
			if err != nil {
				return fmt.Errorf("find station: %w", err)
			}
			if len(covering) == 0 {
				return validate.Field("stationId", "is required: no station covers the event's grid")
			}
			station = &covering[0]
		}
		opened, err = police.OpenCase(ctx, tx, police.CaseRecord{StationID: *station, Kind: "CALL", Category: *c.CaseCategory, Source: "TRANSFER",
			Summary: e.Summary, ReceivedAt: clock.Now(ctx), GridID: &e.GridID, EstateID: e.EstateID})
		out.Case = &opened
		return err
	}
	to := "CONVERTED"
	from, err := workflow.GridEvents.Transition(ctx, tx, workflow.Change{ID: c.GridEventID, Version: c.Version, To: to, Actor: workflow.Actor(ctx),
		Reason: c.Reason, Sets: []workflow.Set{set}, Validate: open})
	if err != nil {
		return Converted{}, violations.Map(err)
	}
	e := events.Event{Kind: events.GridEventConverted, EntityType: "GridEvent", EntityID: c.GridEventID,
		GridID: &grid, StationID: station, FromStatus: &from, ToStatus: &to, Actor: workflow.Actor(ctx)}
	return out, events.Emit(ctx, tx, e)
}
