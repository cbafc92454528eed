// Package mediation holds the "multiple linkage" mediation schema: committees, mediators
// (community notables among them), disputes with their parties, mediators, sessions,
// agreements and follow-up visits.
package mediation

import (
	"time"

	"civiclink/db/relay"
	"civiclink/db/store"
	"civiclink/internal/globalid"
)

// Connection types of the mediation domain.
type (
	CommitteeConnection = relay.Connection[*Committee]
	CommitteeEdge       = relay.Edge[*Committee]
	MediatorConnection  = relay.Connection[*Mediator]
	MediatorEdge        = relay.Edge[*Mediator]
	DisputeConnection   = relay.Connection[*Dispute]
	DisputeEdge         = relay.Edge[*Dispute]
)

// Committee is a mediation committee.
type Committee struct {
	store.Row
	Name        string `db:"name"`
	Level       string `db:"level"`
	CommunityID *int64 `db:"community_id"`
	StationID   *int64 `db:"station_id"`
}

// Mediator is a person serving on a committee.
type Mediator struct {
	store.Row
	PersonID    int64  `db:"person_id"`
	CommitteeID int64  `db:"committee_id"`
	Kind        string `db:"kind"`
}

// Dispute is a civil dispute before a committee.
type Dispute struct {
	store.Row
	DisputeNo      string     `db:"dispute_no"`
	CommitteeID    int64      `db:"committee_id"`
	Source         string     `db:"source"`
	ReferredCaseID *int64     `db:"referred_case_id"`
	GridEventID    *int64     `db:"grid_event_id"`
	GridID         *int64     `db:"grid_id"`
	EstateID       *int64     `db:"estate_id"`
	Category       string     `db:"category"`
	Difficulty     string     `db:"difficulty"`
	Amount         *float64   `db:"amount"`
	Status         string     `db:"status"`
	Summary        string     `db:"summary"`
	ReceivedAt     time.Time  `db:"received_at"`
	ClosedAt       *time.Time `db:"closed_at"`
	FirstContactAt *time.Time `db:"first_contact_at"`
	GridVersionID  *int64     `db:"grid_version_id"`
	Outcome        *string    `db:"outcome"`
}

// DisputeParty is a person's side in a dispute.
type DisputeParty struct {
	store.Row
	DisputeID int64  `db:"dispute_id"`
	PersonID  int64  `db:"person_id"`
	Side      string `db:"side"`
}

// DisputeMediator assigns a mediator to a dispute.
type DisputeMediator struct {
	store.Row
	DisputeID  int64  `db:"dispute_id"`
	MediatorID int64  `db:"mediator_id"`
	Role       string `db:"role"`
}

// MediationSession is one sitting of a mediation. Its record is sensitive.
type MediationSession struct {
	store.Row
	DisputeID  int64     `db:"dispute_id"`
	HeldAt     time.Time `db:"held_at"`
	Place      string    `db:"place"`
	Approaches []string  `db:"approaches"`
	Record     *string   `db:"record"`
}

// Agreement is the settlement a mediation reached. Its terms are sensitive.
type Agreement struct {
	store.Row
	DisputeID            int64      `db:"dispute_id"`
	Form                 string     `db:"form"`
	Terms                string     `db:"terms"`
	PerformanceDeadline  *time.Time `db:"performance_deadline"`
	SignedAt             time.Time  `db:"signed_at"`
	JudicialConfirmation string     `db:"judicial_confirmation"`
}

// FollowUp is a visit checking that an agreement is kept.
type FollowUp struct {
	store.Row
	AgreementID  int64     `db:"agreement_id"`
	VisitedAt    time.Time `db:"visited_at"`
	Visitor      string    `db:"visitor"`
	Performance  string    `db:"performance"`
	Satisfaction *int      `db:"satisfaction"`
	NewRisk      bool      `db:"new_risk"`
}

// ID returns the global ID.
func (r *Committee) ID() string { return globalid.Encode("Committee", r.PK) }

// ID returns the global ID.
func (r *Mediator) ID() string { return globalid.Encode("Mediator", r.PK) }

// ID returns the global ID.
func (r *Dispute) ID() string { return globalid.Encode("Dispute", r.PK) }

// ID returns the global ID.
func (r *DisputeParty) ID() string { return globalid.Encode("DisputeParty", r.PK) }

// ID returns the global ID.
func (r *DisputeMediator) ID() string { return globalid.Encode("DisputeMediator", r.PK) }

// ID returns the global ID.
func (r *MediationSession) ID() string { return globalid.Encode("MediationSession", r.PK) }

// ID returns the global ID.
func (r *Agreement) ID() string { return globalid.Encode("Agreement", r.PK) }

// ID returns the global ID.
func (r *FollowUp) ID() string { return globalid.Encode("FollowUp", r.PK) }
