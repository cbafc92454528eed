package resolvers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"civiclink/db/workflow"
	"civiclink/graph/model"
	"civiclink/internal/access"
	"civiclink/internal/auth"
	"civiclink/internal/clock"
	"civiclink/internal/events"
	"civiclink/internal/validate"

	"github.com/jackc/pgx/v5"
)

// registerCase inserts a case in status RECEIVED.
func (r *mutationResolver) registerCase(ctx context.Context, in model.RegisterCaseInput) (workflow.Result, error) {
	station, err := pk("stationId", "Station", in.StationID)
	if err != nil {
		return nil, err
	}
	grid, err := optPK("gridId", "Grid", in.GridID)
	if err != nil {
		return nil, err
	}
	estate, err := optPK("estateId", "Estate", in.EstateID)
	if err != nil {
		return nil, err
	}
	officer, err := optPK("leadOfficerId", "Officer", in.LeadOfficerID)
	if err != nil {
		return nil, err
	}
	received := clock.Now(ctx)
	if in.ReceivedAt != nil {
		received = *in.ReceivedAt
	}
	var v validate.V
	v.Text("summary", in.Summary, 1, 2000)
	v.OptText("address", in.Address, 300)
	v.NotFuture("receivedAt", received, clock.Now(ctx))
	if in.OccurredAt != nil {
		v.NotBefore("receivedAt", received, *in.OccurredAt, "occurredAt")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return r.run(ctx, "registerCase", in.IdempotencyKey, in, func(ctx context.Context, tx pgx.Tx) (workflow.Result, error) {
		if p := auth.FromContext(ctx); p.Scope.StationID == nil || *p.Scope.StationID != station {
			return nil, &access.ForbiddenError{Message: "stationId: an officer registers cases of their own station"}
		}
		if err := mustExist(ctx, tx, "police.station", &station, "stationId", "station"); err != nil {
			return nil, err
		}
		if err := checkGridEstate(ctx, tx, grid, estate); err != nil {
			return nil, err
		}
		if officer != nil {
			var ok bool
			if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM police.officer WHERE id = $1 AND station_id = $2)", *officer, station).Scan(&ok); err != nil {
				return nil, fmt.Errorf("check lead officer: %w", err)
			}
			if !ok {
				return nil, validate.Field("leadOfficerId", "is not an officer of the station")
			}
		}
		id, err := insertCase(ctx, tx, newCase{station: station, kind: in.Kind, category: in.Category, source: in.Source,
			summary: in.Summary, occurred: in.OccurredAt, received: received, grid: grid, estate: estate, address: in.Address, officer: officer})
		if err != nil {
			return nil, err
		}
		return workflow.Result{"case": id}, nil
	})
}

type newCase struct {
	station                         int64
	kind, category, source, summary string
	occurred                        *time.Time
	received                        time.Time
	grid, estate, officer           *int64
	address                         *string
}

// insertCase numbers and inserts a case in status RECEIVED with its first status-log row.
func insertCase(ctx context.Context, tx pgx.Tx, c newCase) (int64, error) {
	no, err := workflow.NextNumber(ctx, tx, "J", c.received.Year(), 6)
	if err != nil {
		return 0, err
	}
	// The key is drawn first rather than RETURNed: whoever converts a grid event into a case
	// may only see the case once the event points at it, and row security checks RETURNING.
	var id int64
	if err := tx.QueryRow(ctx, `SELECT nextval(pg_get_serial_sequence('police."case"', 'id'))`).Scan(&id); err != nil {
		return 0, fmt.Errorf("next case id: %w", err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO police."case" (id, case_no, station_id, kind, category, source, status, summary,
			occurred_at, received_at, grid_id, estate_id, address, lead_officer_id)
		VALUES ($1, $2, $3, $4, $5, $6, 'RECEIVED', $7, $8, $9, $10, $11, $12, $13)`,
		id, no, c.station, c.kind, c.category, c.source, c.summary, c.occurred, c.received, c.grid, c.estate, c.address, c.officer)
	if err != nil {
		return 0, constraintError(fmt.Errorf("insert case: %w", err), "input", "breaks a rule of the case records")
	}
	return id, workflow.Cases.Created(ctx, tx, id, actor(ctx))
}

// advanceCase moves a case along its workflow.
func (r *mutationResolver) advanceCase(ctx context.Context, in model.AdvanceCaseInput) (workflow.Result, error) {
	var sets []workflow.Set
	if in.Disposition != nil {
		if !slices.Contains([]string{"DECIDED", "TERMINATED", "TRANSFERRED"}, in.To) {
			return nil, validate.Field("disposition", "is recorded only with DECIDED, TERMINATED or TRANSFERRED")
		}
		var v validate.V
		v.OptText("disposition", in.Disposition, 2000)
		if err := v.Err(); err != nil {
			return nil, err
		}
		sets = append(sets, workflow.Set{Column: "disposition", Value: *in.Disposition})
	}
	if in.To == "REFERRED" {
		return nil, validate.Field("to", "use referCaseToMediation to refer a case")
	}
	return r.advance(ctx, advance{op: "advanceCase", lc: workflow.Cases, rule: access.Cases, typ: "Case", field: "caseId", id: in.CaseID,
		version: in.Version, to: in.To, reason: in.Reason, key: in.IdempotencyKey, input: in, sets: sets,
		after: func(ctx context.Context, tx pgx.Tx, id int64, from string) (workflow.Result, error) {
			return nil, emitStatus(ctx, tx, events.CaseStatusChanged, "Case", id, from, in.To, caseWhere)
		}})
}

// referCaseToMediation moves a NON_POLICE case to REFERRED and opens a POLICE_REFERRAL
// dispute for it, with the case's parties, in one transaction.
func (r *mutationResolver) referCaseToMediation(ctx context.Context, in model.ReferCaseToMediationInput) (workflow.Result, error) {
	caseID, err := pk("caseId", "Case", in.CaseID)
	if err != nil {
		return nil, err
	}
	committee, err := pk("committeeId", "Committee", in.CommitteeID)
	if err != nil {
		return nil, err
	}
	var v validate.V
	v.OptText("summary", in.Summary, 2000)
	v.OptText("reason", in.Reason, 2000)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return r.run(ctx, "referCaseToMediation", in.IdempotencyKey, in, func(ctx context.Context, tx pgx.Tx) (workflow.Result, error) {
		if err := inScope(ctx, tx, "caseId", `police."case"`, access.Cases, &caseID); err != nil {
			return nil, err
		}
		var kind, summary string
		var grid, estate *int64
		err := tx.QueryRow(ctx, `SELECT kind, summary, grid_id, estate_id FROM police."case" WHERE id = $1`, caseID).Scan(&kind, &summary, &grid, &estate)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, &workflow.NotFoundError{Field: "caseId", What: "case"}
		}
		if err != nil {
			return nil, fmt.Errorf("read case: %w", err)
		}
		if kind != "NON_POLICE" {
			return nil, validate.Field("caseId", "is a %s case; only NON_POLICE cases can be referred to mediation", kind)
		}
		if err := mustExist(ctx, tx, "mediation.committee", &committee, "committeeId", "committee"); err != nil {
			return nil, err
		}
		if _, err := workflow.Cases.Transition(ctx, tx, workflow.Change{ID: caseID, Version: in.Version, To: "REFERRED", Actor: actor(ctx), Reason: in.Reason}); err != nil {
			return nil, err
		}
		if in.Summary != nil {
			summary = *in.Summary
		}
		dispute, err := insertDispute(ctx, tx, newDispute{committee: committee, source: "POLICE_REFERRAL", referredCase: &caseID,
			grid: grid, estate: estate, category: in.Category, difficulty: in.Difficulty, summary: summary})
		if err != nil {
			return nil, err
		}
		// The case's callers and victims apply, its suspects respond, its witnesses join.
		_, err = tx.Exec(ctx, `INSERT INTO mediation.dispute_party (dispute_id, person_id, side)
			SELECT DISTINCT ON (person_id) $1::bigint, person_id,
				CASE role WHEN 'SUSPECT' THEN 'RESPONDENT' WHEN 'WITNESS' THEN 'THIRD_PARTY' ELSE 'APPLICANT' END
			FROM police.case_party WHERE case_id = $2
			ORDER BY person_id, CASE role WHEN 'SUSPECT' THEN 0 WHEN 'VICTIM' THEN 1 WHEN 'CALLER' THEN 2 ELSE 3 END`, dispute, caseID)
		if err != nil {
			return nil, fmt.Errorf("copy case parties: %w", err)
		}
		referred := "REFERRED"
		e := events.Event{Kind: events.CaseReferred, EntityType: "Dispute", EntityID: dispute, ToStatus: &referred, Actor: actor(ctx)}
		if err := tx.QueryRow(ctx, caseWhere, caseID).Scan(&e.GridID, &e.StationID); err != nil {
			return nil, fmt.Errorf("locate case: %w", err)
		}
		if err := events.Emit(ctx, tx, e); err != nil {
			return nil, err
		}
		return workflow.Result{"case": caseID, "dispute": dispute}, nil
	})
}
