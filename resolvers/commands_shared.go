package resolvers

// Bridges from the risk commands, which still live in resolvers/, to the domain commands of
// db/street; they go when those commands move to db/risk.

import (
	"context"
	"fmt"

	"civiclink/db/mediation"
	"civiclink/db/street"

	"github.com/jackc/pgx/v5"
)

// checkGridEstate checks a record's grid and estate through street.CheckPlace (addRiskItem's).
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
