package mediation

import (
	"context"

	"civiclink/db/street"
)

// GridAtTheTime is the version of the grid the dispute was received in.
func (d *Dispute) GridAtTheTime(ctx context.Context) (*street.GridVersion, error) {
	return street.GridVersionByID.LoadOptional(ctx, d.GridVersionID)
}
