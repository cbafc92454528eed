// Package street holds the street-office schema: communities, grids, the master person index,
// grid workers, property companies, estates, the property alliance and grid events, with their
// tables, filters and batch-loaded relations.
package street

import (
	"time"

	"civiclink/db/relay"
	"civiclink/db/store"
	"civiclink/internal/globalid"
)

// Connection types of the street domain.
type (
	CommunityConnection       = relay.Connection[*Community]
	CommunityEdge             = relay.Edge[*Community]
	GridConnection            = relay.Connection[*Grid]
	GridEdge                  = relay.Edge[*Grid]
	PersonConnection          = relay.Connection[*Person]
	PersonEdge                = relay.Edge[*Person]
	GridWorkerConnection      = relay.Connection[*GridWorker]
	GridWorkerEdge            = relay.Edge[*GridWorker]
	PropertyCompanyConnection = relay.Connection[*PropertyCompany]
	PropertyCompanyEdge       = relay.Edge[*PropertyCompany]
	EstateConnection          = relay.Connection[*Estate]
	EstateEdge                = relay.Edge[*Estate]
	GridEventConnection       = relay.Connection[*GridEvent]
	GridEventEdge             = relay.Edge[*GridEvent]
)

// Community is a residents' community of the sub-district.
type Community struct {
	store.Row
	Code string `db:"code"`
	Name string `db:"name"`
}

// Grid is a cell of the grid-management map, inside one community.
type Grid struct {
	store.Row
	CommunityID int64      `db:"community_id"`
	Code        string     `db:"code"`
	Name        string     `db:"name"`
	Kind        string     `db:"kind"`
	RetiredAt   *time.Time `db:"retired_at"`
	// CommunityRef is filled by the level load of the grid. The community resolver stays
	// (it answers from the same level load, or batches when none ran); internal/fastpath
	// reads the Ref in its place when it is filled.
	CommunityRef store.Ref[Community] `db:"-"`
}

// Person is an entry of the master person index. Identity numbers are kept only as an HMAC
// and a ciphertext.
type Person struct {
	store.Row
	Name           string     `db:"name"`
	IDNumberHMAC   []byte     `db:"id_number_hmac"`
	IDNumberCipher []byte     `db:"id_number_cipher"`
	Gender         string     `db:"gender"`
	BirthDate      *time.Time `db:"birth_date"`
	Phone          *string    `db:"phone"`
	Address        *string    `db:"address"`
	GridID         *int64     `db:"grid_id"`
	Flags          []string   `db:"flags"`
}

// GridWorker is a person's post in a grid.
type GridWorker struct {
	store.Row
	PersonID   int64      `db:"person_id"`
	GridID     int64      `db:"grid_id"`
	Post       string     `db:"post"`
	ActiveFrom time.Time  `db:"active_from"`
	ActiveTo   *time.Time `db:"active_to"`
}

// PropertyCompany manages estates; it may belong to the property alliance.
type PropertyCompany struct {
	store.Row
	Name              string `db:"name"`
	UnifiedCreditCode string `db:"unified_credit_code"`
}

// Estate is a residential estate.
type Estate struct {
	store.Row
	CommunityID       int64  `db:"community_id"`
	GridID            int64  `db:"grid_id"`
	PropertyCompanyID *int64 `db:"property_company_id"`
	Name              string `db:"name"`
	Households        int    `db:"households"`
	ManagementMode    string `db:"management_mode"`
}

// AllianceMembership is a property company's membership of the property alliance.
type AllianceMembership struct {
	store.Row
	PropertyCompanyID int64      `db:"property_company_id"`
	JoinedOn          time.Time  `db:"joined_on"`
	LeftOn            *time.Time `db:"left_on"`
	Role              string     `db:"role"`
}

// GridEvent is something a grid worker reported.
type GridEvent struct {
	store.Row
	EventNo            string     `db:"event_no"`
	GridID             int64      `db:"grid_id"`
	EstateID           *int64     `db:"estate_id"`
	ReporterID         *int64     `db:"reporter_id"`
	Category           string     `db:"category"`
	Urgency            string     `db:"urgency"`
	Status             string     `db:"status"`
	Summary            string     `db:"summary"`
	ReportedAt         time.Time  `db:"reported_at"`
	DueAt              *time.Time `db:"due_at"`
	ClosedAt           *time.Time `db:"closed_at"`
	DispatchedAt       *time.Time `db:"dispatched_at"`
	RespondedAt        *time.Time `db:"responded_at"`
	GridVersionID      *int64     `db:"grid_version_id"`
	ConvertedCaseID    *int64     `db:"converted_case_id"`
	ConvertedDisputeID *int64     `db:"converted_dispute_id"`
}

// ID returns the global ID.
func (r *Community) ID() string { return globalid.Encode("Community", r.PK) }

// ID returns the global ID.
func (r *Grid) ID() string { return globalid.Encode("Grid", r.PK) }

// ID returns the global ID.
func (r *Person) ID() string { return globalid.Encode("Person", r.PK) }

// ID returns the global ID.
func (r *GridWorker) ID() string { return globalid.Encode("GridWorker", r.PK) }

// ID returns the global ID.
func (r *PropertyCompany) ID() string { return globalid.Encode("PropertyCompany", r.PK) }

// ID returns the global ID.
func (r *Estate) ID() string { return globalid.Encode("Estate", r.PK) }

// ID returns the global ID.
func (r *AllianceMembership) ID() string { return globalid.Encode("AllianceMembership", r.PK) }

// ID returns the global ID.
func (r *GridEvent) ID() string { return globalid.Encode("GridEvent", r.PK) }
