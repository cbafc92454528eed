package police

import (
	"time"

	"civiclink/db/store"
)

// Orderable columns of each police list, by the GraphQL order-field enum value.
var (
	StationOrderColumns = map[string]string{"CODE": "code", "NAME": "name"}
	OfficerOrderColumns = map[string]string{"BADGE_NO": "badge_no", "NAME": "name", "RANK": "rank"}
	CaseOrderColumns    = map[string]string{"RECEIVED_AT": "received_at", "CASE_NO": "case_no", "STATUS": "status", "CATEGORY": "category"}
)

// OfficerFilter selects officers.
type OfficerFilter struct {
	StationID *string
	Rank      []string
	Duty      []string
}

// Conds translates the filter.
func (f *OfficerFilter) Conds() (store.Conds, error) {
	if f == nil {
		return nil, nil
	}
	return new(store.Filter).Ref("stationId", "station_id", "Station", f.StationID).In("rank", f.Rank).In("duty", f.Duty).Done()
}

// CaseFilter selects cases.
type CaseFilter struct {
	Status    []string
	Kind      []string
	Category  []string
	Source    []string
	StationID *string
	GridID    *string
	EstateID  *string
	// PropertyCompanyID keeps rows at estates this company manages.
	PropertyCompanyID *string
	LeadOfficerID     *string
	ReceivedFrom      *time.Time
	ReceivedTo        *time.Time
	Referred          *bool
}

// Conds translates the filter.
func (f *CaseFilter) Conds() (store.Conds, error) {
	if f == nil {
		return nil, nil
	}
	flt := new(store.Filter).In("status", f.Status).In("kind", f.Kind).In("category", f.Category).In("source", f.Source).
		Ref("stationId", "station_id", "Station", f.StationID).Ref("gridId", "grid_id", "Grid", f.GridID).
		Estate(f.EstateID, f.PropertyCompanyID).Ref("leadOfficerId", "lead_officer_id", "Officer", f.LeadOfficerID).
		Range("received_at", f.ReceivedFrom, f.ReceivedTo)
	if f.Referred != nil {
		sub := "EXISTS (SELECT 1 FROM mediation.dispute d WHERE d.referred_case_id = t.id)"
		if !*f.Referred {
			sub = "NOT " + sub
		}
		flt.Cond(true, store.Raw(sub))
	}
	return flt.Done()
}
