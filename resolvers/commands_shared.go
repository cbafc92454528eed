package resolvers

// Bridges from the street, risk and welfare commands, which still live in resolvers/, to the
// domain commands of db/mediation, db/police and db/street; they go when those commands move
// to their domains.

import (
	"context"
	"fmt"
	"time"

	"civiclink/db/mediation"
	"civiclink/db/police"
	"civiclink/db/street"

	"github.com/jackc/pgx/v5"
)

type newDispute struct {
	committee                     int64
	source                        string
	referredCase, gridEvent       *int64
	grid, estate                  *int64
	category, difficulty, summary string
}

// insertDispute opens a dispute through mediation.OpenDispute.
func insertDispute(ctx context.Context, tx pgx.Tx, d newDispute) (int64, error) {
	return mediation.OpenDispute(ctx, tx, mediation.NewDispute{CommitteeID: d.committee, Source: d.source, ReferredCaseID: d.referredCase,
		GridEventID: d.gridEvent, GridID: d.grid, EstateID: d.estate, Category: d.category, Difficulty: d.difficulty, Summary: d.summary})
}

type newCase struct {
	station                         int64
	kind, category, source, summary string
	occurred                        *time.Time
	received                        time.Time
	grid, estate, officer           *int64
	address                         *string
}

// insertCase opens a case through police.OpenCase.
func insertCase(ctx context.Context, tx pgx.Tx, c newCase) (int64, error) {
	return police.OpenCase(ctx, tx, police.CaseRecord{StationID: c.station, Kind: c.kind, Category: c.category, Source: c.source,
		Summary: c.summary, OccurredAt: c.occurred, ReceivedAt: c.received, GridID: c.grid, EstateID: c.estate, LeadOfficerID: c.officer, Address: c.address})
}

// checkGridEstate checks a record's grid and estate through street.CheckPlace.
func checkGridEstate(ctx context.Context, tx pgx.Tx, grid, estate *int64) error {
	return street.CheckPlace(ctx, tx, grid, estate)
}

// escalateDispute opens the risk item a FAILED dispute escalates into, linked to it (the risk
// command mediation.AdvanceDispute is handed).
func escalateDispute(ctx context.Context, tx pgx.Tx, e mediation.EscalationItem) (int64, error) {
	item, err := insertRiskItem(ctx, tx, newRiskItem{grid: e.GridID, estate: e.EstateID, dimension: e.Dimension,
		description: e.Description, likelihood: e.Likelihood, impact: e.Impact})
	if err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, "INSERT INTO risk.risk_link (risk_item_id, dispute_id) VALUES ($1, $2)", item, e.DisputeID); err != nil {
		return 0, fmt.Errorf("link escalation risk: %w", err)
	}
	return item, nil
}
