package resolvers

import (
	"context"
	"errors"
	"fmt"

	"civiclink/db/rules"
	"civiclink/db/workflow"
	"civiclink/graph/model"
	"civiclink/internal/access"
	"civiclink/internal/clock"
	"civiclink/internal/events"
	"civiclink/internal/validate"

	"github.com/jackc/pgx/v5"
)

// reportGridEvent inserts a grid event in status REPORTED; without a dueAt it is due by the
// GRID_EVENT_DUE_<urgency> rule in force when it was reported.
func (r *mutationResolver) reportGridEvent(ctx context.Context, in model.ReportGridEventInput) (workflow.Result, error) {
	grid, err := pk("gridId", "Grid", in.GridID)
	if err != nil {
		return nil, err
	}
	estate, err := optPK("estateId", "Estate", in.EstateID)
	if err != nil {
		return nil, err
	}
	reporter, err := optPK("reporterId", "GridWorker", in.ReporterID)
	if err != nil {
		return nil, err
	}
	reported := clock.Now(ctx)
	if in.ReportedAt != nil {
		reported = *in.ReportedAt
	}
	var v validate.V
	v.Text("summary", in.Summary, 1, 2000)
	v.NotFuture("reportedAt", reported, clock.Now(ctx))
	if in.DueAt != nil {
		v.NotBefore("dueAt", *in.DueAt, reported, "reportedAt")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return r.run(ctx, "reportGridEvent", in.IdempotencyKey, in, func(ctx context.Context, tx pgx.Tx) (workflow.Result, error) {
		if err := ownGrid(ctx, "gridId", grid); err != nil {
			return nil, err
		}
		if err := checkGridEstate(ctx, tx, &grid, estate); err != nil {
			return nil, err
		}
		if reporter != nil {
			var ok bool
			if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM street.grid_worker WHERE id = $1 AND grid_id = $2)", *reporter, grid).Scan(&ok); err != nil {
				return nil, fmt.Errorf("check reporter: %w", err)
			}
			if !ok {
				return nil, validate.Field("reporterId", "is not a grid worker of the grid")
			}
		}
		no, err := workflow.NextNumber(ctx, tx, "E", reported.Year(), 6)
		if err != nil {
			return nil, err
		}
		var id int64
		err = tx.QueryRow(ctx, `INSERT INTO street.grid_event (event_no, grid_id, estate_id, reporter_id, category, urgency, status, summary, reported_at, due_at)
			VALUES ($1, $2, $3, $4, $5, $6, 'REPORTED', $7, $8,
				coalesce($9::timestamptz, $8::timestamptz + make_interval(mins => hub.rule_minutes('`+rules.GridEventDue+`' || $6::text, $8::timestamptz)))) RETURNING id`,
			no, grid, estate, reporter, in.Category, in.Urgency, in.Summary, reported, in.DueAt).Scan(&id)
		if err != nil {
			return nil, fmt.Errorf("insert grid event: %w", err)
		}
		return workflow.Result{"gridEvent": id}, workflow.GridEvents.Created(ctx, tx, id, workflow.Actor(ctx))
	})
}

// advanceGridEvent moves a grid event along its workflow.
func (r *mutationResolver) advanceGridEvent(ctx context.Context, in model.AdvanceGridEventInput) (workflow.Result, error) {
	if in.To == "CONVERTED" {
		return nil, validate.Field("to", "use convertGridEvent to convert an event into a dispute or a case")
	}
	return r.advance(ctx, advance{op: "advanceGridEvent", lc: workflow.GridEvents, rule: access.GridEvents, typ: "GridEvent", field: "gridEventId",
		id: in.GridEventID, version: in.Version, to: in.To, reason: in.Reason, key: in.IdempotencyKey, input: in})
}

// convertGridEvent converts an open grid event into a dispute or a case and keeps the link,
// in one transaction.
func (r *mutationResolver) convertGridEvent(ctx context.Context, in model.ConvertGridEventInput) (workflow.Result, error) {
	eventID, err := pk("gridEventId", "GridEvent", in.GridEventID)
	if err != nil {
		return nil, err
	}
	var v validate.V
	var committee, station *int64
	switch in.Into {
	case "DISPUTE":
		v.Check(in.CommitteeID != nil, "committeeId", "is required to convert into a dispute")
		v.Check(in.DisputeCategory != nil, "disputeCategory", "is required to convert into a dispute")
		if committee, err = optPK("committeeId", "Committee", in.CommitteeID); err != nil {
			return nil, err
		}
	case "CASE":
		v.Check(in.CaseCategory != nil, "caseCategory", "is required to convert into a case")
		if station, err = optPK("stationId", "Station", in.StationID); err != nil {
			return nil, err
		}
	}
	v.OptText("reason", in.Reason, 2000)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return r.run(ctx, "convertGridEvent", in.IdempotencyKey, in, func(ctx context.Context, tx pgx.Tx) (workflow.Result, error) {
		if err := inScope(ctx, tx, "gridEventId", "street.grid_event", access.GridEvents, &eventID); err != nil {
			return nil, err
		}
		var grid int64
		var estate *int64
		var summary string
		err := tx.QueryRow(ctx, "SELECT grid_id, estate_id, summary FROM street.grid_event WHERE id = $1", eventID).Scan(&grid, &estate, &summary)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, &workflow.NotFoundError{Field: "gridEventId", What: "grid event"}
		}
		if err != nil {
			return nil, fmt.Errorf("read grid event: %w", err)
		}
		res := workflow.Result{"gridEvent": eventID}
		var set workflow.Set
		if in.Into == "DISPUTE" {
			if err := workflow.MustExist(ctx, tx, "mediation.committee", committee, "committeeId", "committee"); err != nil {
				return nil, err
			}
			// The event row is locked and checked by the transition below before anything
			// commits; the dispute is inserted first so the event can point at it.
			d, err := insertDispute(ctx, tx, newDispute{committee: *committee, source: "GRID_REPORT", gridEvent: &eventID,
				grid: &grid, estate: estate, category: *in.DisputeCategory, difficulty: "ORDINARY", summary: summary})
			if err != nil {
				return nil, err
			}
			res["dispute"], set = d, workflow.Set{Column: "converted_dispute_id", Value: d}
		} else {
			if station == nil {
				var s int64
				err := tx.QueryRow(ctx, `SELECT sc.station_id FROM street.grid g JOIN police.station_community sc ON sc.community_id = g.community_id
					WHERE g.id = $1 ORDER BY sc.station_id LIMIT 1`, grid).Scan(&s)
				if errors.Is(err, pgx.ErrNoRows) {
					return nil, validate.Field("stationId", "is required: no station covers the event's grid")
				}
				if err != nil {
					return nil, fmt.Errorf("find station: %w", err)
				}
				station = &s
			} else if err := workflow.MustExist(ctx, tx, "police.station", station, "stationId", "station"); err != nil {
				return nil, err
			}
			c, err := insertCase(ctx, tx, newCase{station: *station, kind: "CALL", category: *in.CaseCategory, source: "TRANSFER",
				summary: summary, received: clock.Now(ctx), grid: &grid, estate: estate})
			if err != nil {
				return nil, err
			}
			res["case"], set = c, workflow.Set{Column: "converted_case_id", Value: c}
		}
		from, err := workflow.GridEvents.Transition(ctx, tx, workflow.Change{ID: eventID, Version: in.Version, To: "CONVERTED",
			Actor: workflow.Actor(ctx), Reason: in.Reason, Sets: []workflow.Set{set}})
		if err != nil {
			return nil, err
		}
		to := "CONVERTED"
		return res, events.Emit(ctx, tx, events.Event{Kind: events.GridEventConverted, EntityType: "GridEvent", EntityID: eventID,
			GridID: &grid, StationID: station, FromStatus: &from, ToStatus: &to, Actor: workflow.Actor(ctx)})
	})
}
