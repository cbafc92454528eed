package access

import "civiclink/internal/auth"

// Roles that read reference data (no personal data): everyone but the auditor.
var readers = []string{auth.StreetStaff, auth.GridWorker, auth.PoliceOfficer, auth.Mediator, auth.Analyst, auth.Admin}

// The rules, one per scoped table. A rule never puts a correlated subquery over another
// table under row security into a statement (it would run, with that table's policy, once
// per row); scope sets come from the owner-run functions of migrations 00170 and 00211
// instead, as `id = ANY (ARRAY(SELECT s FROM hub.f(?) s))`: an array computed once per
// statement, which an index scan reads as its condition (in key order, so a page of a
// mediator's cases stops after its first rows rather than probing all of them).
var (
	// Reference is for code tables and other rows without personal data.
	Reference = only(all, readers...)

	// Officers: working roles see the station's officers (phones and addresses are masked).
	Officers = only(all, auth.StreetStaff, auth.GridWorker, auth.PoliceOfficer, auth.Mediator, auth.Admin)

	// Persons: street staff, police and admins see everyone (masked unless allowed); grid
	// workers their grids; mediators the parties of their disputes.
	Persons = byRole(map[string]Rule{
		auth.StreetStaff:   all,
		auth.PoliceOfficer: all,
		auth.Admin:         all,
		auth.GridWorker:    where("%[1]s.grid_id = ANY(?)", grids),
		auth.Mediator:      where("%[1]s.id = ANY (ARRAY(SELECT s FROM hub.mediator_persons(?) s))", mediator),
	})

	// GridEvents: grid workers see their grids' events.
	GridEvents = byRole(map[string]Rule{
		auth.StreetStaff:   all,
		auth.PoliceOfficer: all,
		auth.Admin:         all,
		auth.GridWorker:    where("%[1]s.grid_id = ANY(?)", grids),
	})

	// Cases: police see their station's; street staff those referred to mediation or made
	// from grid events; grid workers those their events became; mediators those behind their disputes.
	Cases = byRole(map[string]Rule{
		auth.Admin:         all,
		auth.PoliceOfficer: where("%[1]s.station_id = ?", station),
		// street_linked: referred by a dispute or made from a grid event (kept by triggers).
		auth.StreetStaff: where("%[1]s.street_linked", nil),
		auth.GridWorker:  where("%[1]s.id = ANY (ARRAY(SELECT s FROM hub.grid_cases(?) s))", grids),
		auth.Mediator:    where("%[1]s.id = ANY (ARRAY(SELECT s FROM hub.mediator_cases(?) s))", mediator),
	})

	// CaseParties: with the case, for police, street staff (masked) and admins.
	CaseParties = only(Through(`police."case"`, "case_id", Cases), auth.PoliceOfficer, auth.StreetStaff, auth.Admin)

	// Disputes: street staff their communities (all when none are named); grid workers their
	// grids; police those referred by their station; mediators their committees' and their
	// assignments.
	Disputes = byRole(map[string]Rule{
		auth.Admin: all,
		auth.StreetStaff: func(p auth.Principal, a string) (string, []any, bool) {
			if len(p.Scope.CommunityIDs) == 0 {
				return "", nil, true
			}
			return where("%[1]s.grid_id = ANY (ARRAY(SELECT s FROM hub.community_grids(?) s))",
				func(p auth.Principal) []any { return []any{p.Scope.CommunityIDs} })(p, a)
		},
		auth.GridWorker: where("%[1]s.grid_id = ANY(?)", grids),
		// referred_station_id: the station of the referred case (kept by triggers, 00210).
		auth.PoliceOfficer: where("%[1]s.referred_station_id = ?", station),
		auth.Mediator: where("(%[1]s.committee_id = ANY(?) OR %[1]s.id = ANY (ARRAY(SELECT s FROM hub.mediator_disputes(?) s)))", func(p auth.Principal) []any {
			return []any{nonNil(p.Scope.CommitteeIDs), p.Scope.MediatorID}
		}),
	})

	// DisputeParties and assignments: with the dispute, for street staff, mediators, admins.
	DisputeParties = only(Through("mediation.dispute", "dispute_id", Disputes), auth.StreetStaff, auth.Mediator, auth.Admin)

	// Sessions: mediation records are for mediators and admins only.
	Sessions = only(Through("mediation.dispute", "dispute_id", Disputes), auth.Mediator, auth.Admin)

	// Agreements: with the dispute, for street staff, police, mediators and admins.
	Agreements = only(Through("mediation.dispute", "dispute_id", Disputes), auth.StreetStaff, auth.PoliceOfficer, auth.Mediator, auth.Admin)

	// FollowUps: with the agreement.
	FollowUps = Through("mediation.agreement", "agreement_id", Agreements)

	// BenefitGrants: street staff and admins see all; an officer their own.
	BenefitGrants = byRole(map[string]Rule{
		auth.StreetStaff:   all,
		auth.Admin:         all,
		auth.PoliceOfficer: where("%[1]s.officer_id = ?", officer),
	})

	// Surveys: rounds are visible as aggregates; police see their station's.
	Surveys = byRole(map[string]Rule{
		auth.StreetStaff:   all,
		auth.Admin:         all,
		auth.Analyst:       all,
		auth.PoliceOfficer: where("%[1]s.station_id = ?", station),
	})

	// Assessments: street staff and admins; grid workers and police their grids.
	Assessments = byRole(map[string]Rule{
		auth.StreetStaff:   all,
		auth.Admin:         all,
		auth.GridWorker:    where("%[1]s.grid_id = ANY(?)", grids),
		auth.PoliceOfficer: where("%[1]s.grid_id = ANY (ARRAY(SELECT s FROM hub.officer_grids(?) s))", officer),
	})

	// RiskItems: street staff and admins; grid workers their grids; police items linked to
	// their station's cases or in their grids; mediators items in the grids of their
	// committees' disputes.
	RiskItems = byRole(map[string]Rule{
		auth.StreetStaff: all,
		auth.Admin:       all,
		auth.GridWorker:  where("%[1]s.grid_id = ANY(?)", grids),
		auth.PoliceOfficer: where("(%[1]s.id = ANY (ARRAY(SELECT s FROM hub.station_risk_items(?) s)) OR %[1]s.grid_id = ANY (ARRAY(SELECT s FROM hub.officer_grids(?) s)))", func(p auth.Principal) []any {
			return []any{p.Scope.StationID, p.Scope.OfficerID}
		}),
		auth.Mediator: where("%[1]s.grid_id = ANY (ARRAY(SELECT s FROM hub.committee_grids(?) s))",
			func(p auth.Principal) []any { return []any{nonNil(p.Scope.CommitteeIDs)} }),
	})

	// Measures and links: with the risk item.
	Measures  = Through("risk.risk_item", "risk_item_id", RiskItems)
	RiskLinks = Through("risk.risk_item", "risk_item_id", RiskItems)

	// AccessLog: the auditor's alone.
	AccessLog = byRole(map[string]Rule{auth.Auditor: all})
)
