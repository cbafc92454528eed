package street

import (
	"context"
	"time"

	"civiclink/db/loaders"
	"civiclink/db/store"
	"civiclink/internal/access"
	"civiclink/internal/globalid"
)

// GridVersion is what a grid was between two redraws: its code, name and community.
type GridVersion struct {
	PK          int64      `db:"id"`
	GridID      int64      `db:"grid_id"`
	Version     int        `db:"version"`
	CommunityID int64      `db:"community_id"`
	Code        string     `db:"code"`
	Name        string     `db:"name"`
	ValidFrom   time.Time  `db:"valid_from"`
	ValidTo     *time.Time `db:"valid_to"`
	RedrawID    *int64     `db:"redraw_id"`
}

// GridRedraw is one logged reshaping of the grid map.
type GridRedraw struct {
	PK          int64     `db:"id"`
	Kind        string    `db:"kind"`
	EffectiveAt time.Time `db:"effective_at"`
	Reason      string    `db:"reason"`
	Actor       string    `db:"actor"`
	Details     string    `db:"details"`
	CreatedAt   time.Time `db:"created_at"`
}

// ID returns the global ID.
func (r *GridRedraw) ID() string { return globalid.Encode("GridRedraw", r.PK) }

// Tables of the grid history: reference data, like grids.
var (
	GridVersions = store.NewTable[GridVersion]("street.grid_version").WithPolicy(access.Policy(access.Reference))
	GridRedraws  = store.NewTable[GridRedraw]("street.grid_redraw").WithPolicy(access.Policy(access.Reference))

	GridVersionByID  = loaders.ByID(GridVersions, func(v *GridVersion) int64 { return v.PK })
	GridRedrawByID   = loaders.ByID(GridRedraws, func(r *GridRedraw) int64 { return r.PK })
	VersionsOfGrid   = loaders.Children(GridVersions, "grid_id", "t.version", func(v *GridVersion) int64 { return v.GridID })
	VersionsOfRedraw = loaders.Children(GridVersions, "redraw_id", "t.grid_id, t.version", func(v *GridVersion) int64 { return *v.RedrawID })
)

// Versions are the grid's versions, oldest first.
func (g *Grid) Versions(ctx context.Context) ([]*GridVersion, error) {
	return VersionsOfGrid.Load(ctx, g.PK)
}

// Grid is the grid the version is of.
func (v *GridVersion) Grid(ctx context.Context) (*Grid, error) { return GridByID.Load(ctx, v.GridID) }

// Community is the community the grid was in.
func (v *GridVersion) Community(ctx context.Context) (*Community, error) {
	return CommunityByID.Load(ctx, v.CommunityID)
}

// Redraw is the redraw that opened the version; nil for a grid's first version.
func (v *GridVersion) Redraw(ctx context.Context) (*GridRedraw, error) {
	return GridRedrawByID.LoadOptional(ctx, v.RedrawID)
}

// Versions are the grid versions the redraw opened.
func (r *GridRedraw) Versions(ctx context.Context) ([]*GridVersion, error) {
	return VersionsOfRedraw.Load(ctx, r.PK)
}

// GridAtTheTime is the version of the grid the event was reported in.
func (e *GridEvent) GridAtTheTime(ctx context.Context) (*GridVersion, error) {
	return GridVersionByID.LoadOptional(ctx, e.GridVersionID)
}
