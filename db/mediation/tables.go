package mediation

import (
	"time"

	"civiclink/db/loaders"
	"civiclink/db/statuslog"
	"civiclink/db/store"
	"civiclink/internal/access"
)

// Tables of the mediation schema.
var (
	Committees       = store.NewTable[Committee]("mediation.committee").WithPolicy(access.Policy(access.Reference))
	Mediators        = store.NewTable[Mediator]("mediation.mediator").WithPolicy(access.Policy(access.Reference))
	Disputes         = store.NewTable[Dispute]("mediation.dispute").WithPolicy(access.Policy(access.Disputes))
	DisputeParties   = store.NewTable[DisputeParty]("mediation.dispute_party").WithPolicy(access.Policy(access.DisputeParties))
	DisputeMediators = store.NewTable[DisputeMediator]("mediation.dispute_mediator").WithPolicy(access.Policy(access.DisputeParties))
	Sessions         = store.NewTable[MediationSession]("mediation.session").WithPolicy(access.Policy(access.Sessions))
	Agreements       = store.NewTable[Agreement]("mediation.agreement").WithPolicy(access.Policy(access.Agreements))
	FollowUps        = store.NewTable[FollowUp]("mediation.follow_up").WithPolicy(access.Policy(access.FollowUps))
	DisputeLog       = statuslog.New("mediation.dispute_status_log", access.Policy(access.Through("mediation.dispute", "entity_id", access.Disputes)))
)

// Relations of the mediation schema, each served by a per-request batch loader.
var (
	CommitteeByID       = loaders.ByID(Committees, (*Committee).Key)
	MediatorByID        = loaders.ByID(Mediators, (*Mediator).Key)
	DisputeByID         = loaders.ByID(Disputes, (*Dispute).Key)
	AgreementByID       = loaders.ByID(Agreements, (*Agreement).Key)
	DisputePartyByID    = loaders.ByID(DisputeParties, (*DisputeParty).Key)
	DisputeMediatorByID = loaders.ByID(DisputeMediators, (*DisputeMediator).Key)
	SessionByID         = loaders.ByID(Sessions, (*MediationSession).Key)
	FollowUpByID        = loaders.ByID(FollowUps, (*FollowUp).Key)

	MediatorsOfCommittee  = loaders.Children(Mediators, "committee_id", "t.kind, t.id", func(m *Mediator) int64 { return m.CommitteeID })
	MediatorPostsOfPerson = loaders.Children(Mediators, "person_id", "t.id", func(m *Mediator) int64 { return m.PersonID })
	PartiesOfDispute      = loaders.Children(DisputeParties, "dispute_id", "t.side, t.id", func(p *DisputeParty) int64 { return p.DisputeID })
	InvolvementsOfPerson  = loaders.Children(DisputeParties, "person_id", "t.id", func(p *DisputeParty) int64 { return p.PersonID })
	MediatorsOfDispute    = loaders.Children(DisputeMediators, "dispute_id", "t.role, t.id", func(m *DisputeMediator) int64 { return m.DisputeID })
	AssignmentsOfMediator = loaders.Children(DisputeMediators, "mediator_id", "t.id", func(m *DisputeMediator) int64 { return m.MediatorID })
	SessionsOfDispute     = loaders.Children(Sessions, "dispute_id", "t.held_at, t.id", func(s *MediationSession) int64 { return s.DisputeID })
	AgreementOfDispute    = loaders.Children(Agreements, "dispute_id", "t.id", func(a *Agreement) int64 { return a.DisputeID })
	FollowUpsOfAgreement  = loaders.Children(FollowUps, "agreement_id", "t.visited_at, t.id", func(f *FollowUp) int64 { return f.AgreementID })
	ReferralsOfCase       = loaders.Children(Disputes, "referred_case_id", "t.received_at, t.id", func(d *Dispute) int64 { return *d.ReferredCaseID })
	DisputesOfGridEvent   = loaders.Children(Disputes, "grid_event_id", "t.received_at, t.id", func(d *Dispute) int64 { return *d.GridEventID })

	DisputePagesOfGrid      = loaders.ChildPages(Disputes, "grid_id")
	DisputePagesOfCommittee = loaders.ChildPages(Disputes, "committee_id")
)

// Orderable columns of each mediation list, by the GraphQL order-field enum value.
var (
	CommitteeOrderColumns = map[string]string{"NAME": "name", "LEVEL": "level"}
	MediatorOrderColumns  = map[string]string{"KIND": "kind", "CREATED_AT": "created_at"}
	DisputeOrderColumns   = map[string]string{"RECEIVED_AT": "received_at", "DISPUTE_NO": "dispute_no", "STATUS": "status", "CATEGORY": "category"}
)

// CommitteeFilter selects committees.
type CommitteeFilter struct {
	Level       []string
	CommunityID *string
	StationID   *string
}

// Conds translates the filter.
func (f *CommitteeFilter) Conds() (store.Conds, error) {
	if f == nil {
		return nil, nil
	}
	return new(store.Filter).In("level", f.Level).Ref("communityId", "community_id", "Community", f.CommunityID).
		Ref("stationId", "station_id", "Station", f.StationID).Done()
}

// MediatorFilter selects mediators.
type MediatorFilter struct {
	Kind        []string
	CommitteeID *string
}

// Conds translates the filter.
func (f *MediatorFilter) Conds() (store.Conds, error) {
	if f == nil {
		return nil, nil
	}
	return new(store.Filter).In("kind", f.Kind).Ref("committeeId", "committee_id", "Committee", f.CommitteeID).Done()
}

// DisputeFilter selects disputes.
type DisputeFilter struct {
	Status         []string
	Source         []string
	Category       []string
	Difficulty     []string
	CommitteeID    *string
	GridID         *string
	ReferredCaseID *string
	// EstateID and PropertyCompanyID keep rows at this estate, at estates this company manages.
	EstateID, PropertyCompanyID *string
	ReceivedFrom                *time.Time
	ReceivedTo                  *time.Time
}

// Conds translates the filter.
func (f *DisputeFilter) Conds() (store.Conds, error) {
	if f == nil {
		return nil, nil
	}
	return new(store.Filter).In("status", f.Status).In("source", f.Source).In("category", f.Category).
		In("difficulty", f.Difficulty).Ref("committeeId", "committee_id", "Committee", f.CommitteeID).
		Ref("gridId", "grid_id", "Grid", f.GridID).Ref("referredCaseId", "referred_case_id", "Case", f.ReferredCaseID).
		Estate(f.EstateID, f.PropertyCompanyID).Range("received_at", f.ReceivedFrom, f.ReceivedTo).Done()
}
