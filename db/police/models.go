// Package police holds the police schema: stations, officers, their grid assignments, cases
// and case parties, with their tables, filters and batch-loaded relations.
package police

import (
	"time"

	"civiclink/db/relay"
	"civiclink/db/store"
	"civiclink/internal/globalid"
)

// Connection types of the police domain.
type (
	StationConnection = relay.Connection[*Station]
	StationEdge       = relay.Edge[*Station]
	OfficerConnection = relay.Connection[*Officer]
	OfficerEdge       = relay.Edge[*Officer]
	CaseConnection    = relay.Connection[*Case]
	CaseEdge          = relay.Edge[*Case]
)

// Station is a police station.
type Station struct {
	store.Row
	Code string `db:"code"`
	Name string `db:"name"`
}

// StationCommunity records that a station covers a community.
type StationCommunity struct {
	StationID   int64 `db:"station_id"`
	CommunityID int64 `db:"community_id"`
}

// Officer is a police officer. Phone and home address are sensitive.
type Officer struct {
	store.Row
	BadgeNo     string  `db:"badge_no"`
	Name        string  `db:"name"`
	Rank        string  `db:"rank"`
	StationID   int64   `db:"station_id"`
	Duty        string  `db:"duty"`
	Phone       *string `db:"phone"`
	HomeAddress *string `db:"home_address"`
}

// OfficerGrid assigns an officer to a grid.
type OfficerGrid struct {
	store.Row
	OfficerID int64  `db:"officer_id"`
	GridID    int64  `db:"grid_id"`
	Role      string `db:"role"`
}

// Case is an incident or case handled by a station.
type Case struct {
	store.Row
	CaseNo        string     `db:"case_no"`
	StationID     int64      `db:"station_id"`
	Kind          string     `db:"kind"`
	Category      string     `db:"category"`
	Source        string     `db:"source"`
	Status        string     `db:"status"`
	Summary       string     `db:"summary"`
	OccurredAt    *time.Time `db:"occurred_at"`
	ReceivedAt    time.Time  `db:"received_at"`
	ClosedAt      *time.Time `db:"closed_at"`
	DispatchedAt  *time.Time `db:"dispatched_at"`
	OnSceneAt     *time.Time `db:"on_scene_at"`
	GridVersionID *int64     `db:"grid_version_id"`
	GridID        *int64     `db:"grid_id"`
	EstateID      *int64     `db:"estate_id"`
	Address       *string    `db:"address"`
	LeadOfficerID *int64     `db:"lead_officer_id"`
	Disposition   *string    `db:"disposition"`
}

// CaseParty is a person's part in a case.
type CaseParty struct {
	store.Row
	CaseID   int64  `db:"case_id"`
	PersonID int64  `db:"person_id"`
	Role     string `db:"role"`
	IsMinor  bool   `db:"is_minor"`
}

// ID returns the global ID.
func (r *Station) ID() string { return globalid.Encode("Station", r.PK) }

// ID returns the global ID.
func (r *Officer) ID() string { return globalid.Encode("Officer", r.PK) }

// ID returns the global ID.
func (r *OfficerGrid) ID() string { return globalid.Encode("OfficerGrid", r.PK) }

// ID returns the global ID.
func (r *Case) ID() string { return globalid.Encode("Case", r.PK) }

// ID returns the global ID.
func (r *CaseParty) ID() string { return globalid.Encode("CaseParty", r.PK) }
