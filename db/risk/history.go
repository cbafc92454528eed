package risk

import (
	"context"

	"civiclink/db/street"
)

// GridAtTheTime is the version of the grid the risk was identified in.
func (r *RiskItem) GridAtTheTime(ctx context.Context) (*street.GridVersion, error) {
	return street.GridVersionByID.LoadOptional(ctx, r.GridVersionID)
}
