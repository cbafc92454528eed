package street

import (
	"time"

	"civiclink/db/store"
	"civiclink/internal/clock"
)

// Orderable columns of each street list, by the GraphQL order-field enum value.
var (
	CommunityOrderColumns = map[string]string{"CODE": "code", "NAME": "name"}
	GridOrderColumns      = map[string]string{"CODE": "code", "NAME": "name"}
	PersonOrderColumns    = map[string]string{"NAME": "name", "CREATED_AT": "created_at"}
	EstateOrderColumns    = map[string]string{"NAME": "name", "HOUSEHOLDS": "households"}
	CompanyOrderColumns   = map[string]string{"NAME": "name"}
	WorkerOrderColumns    = map[string]string{"POST": "post", "ACTIVE_FROM": "active_from"}
	GridEventOrderColumns = map[string]string{"REPORTED_AT": "reported_at", "EVENT_NO": "event_no", "STATUS": "status", "URGENCY": "urgency"}
)

// GridFilter selects grids.
type GridFilter struct {
	CommunityID *string
	Kind        []string
}

// Conds translates the filter.
func (f *GridFilter) Conds() (store.Conds, error) {
	if f == nil {
		return nil, nil
	}
	return new(store.Filter).Ref("communityId", "community_id", "Community", f.CommunityID).In("kind", f.Kind).Done()
}

// PersonFilter selects persons.
type PersonFilter struct {
	GridID *string
	Flags  []string
	Gender []string
}

// Conds translates the filter.
func (f *PersonFilter) Conds() (store.Conds, error) {
	if f == nil {
		return nil, nil
	}
	return new(store.Filter).Ref("gridId", "grid_id", "Grid", f.GridID).In("gender", f.Gender).
		Cond(f.Flags != nil, store.Raw("t.flags && ?", f.Flags)).Done()
}

// GridWorkerFilter selects grid workers.
type GridWorkerFilter struct {
	GridID *string
	Post   []string
	Active *bool
}

// Conds translates the filter.
func (f *GridWorkerFilter) Conds() (store.Conds, error) {
	if f == nil {
		return nil, nil
	}
	flt := new(store.Filter).Ref("gridId", "grid_id", "Grid", f.GridID).In("post", f.Post)
	if f.Active != nil {
		if *f.Active {
			flt.Cond(true, store.Raw("t.active_to IS NULL OR t.active_to >= "+clock.SQLToday))
		} else {
			flt.Cond(true, store.Raw("t.active_to < "+clock.SQLToday))
		}
	}
	return flt.Done()
}

// EstateFilter selects estates.
type EstateFilter struct {
	CommunityID       *string
	GridID            *string
	PropertyCompanyID *string
	ManagementMode    []string
}

// Conds translates the filter.
func (f *EstateFilter) Conds() (store.Conds, error) {
	if f == nil {
		return nil, nil
	}
	return new(store.Filter).Ref("communityId", "community_id", "Community", f.CommunityID).
		Ref("gridId", "grid_id", "Grid", f.GridID).
		Ref("propertyCompanyId", "property_company_id", "PropertyCompany", f.PropertyCompanyID).
		In("management_mode", f.ManagementMode).Done()
}

// PropertyCompanyFilter selects property companies.
type PropertyCompanyFilter struct {
	AllianceMember *bool
}

// Conds translates the filter.
func (f *PropertyCompanyFilter) Conds() (store.Conds, error) {
	if f == nil || f.AllianceMember == nil {
		return nil, nil
	}
	sub := "EXISTS (SELECT 1 FROM street.alliance_membership m WHERE m.property_company_id = t.id AND (m.left_on IS NULL OR m.left_on > " + clock.SQLToday + "))"
	if !*f.AllianceMember {
		sub = "NOT " + sub
	}
	return store.Conds{store.Raw(sub)}, nil
}

// GridEventFilter selects grid events.
type GridEventFilter struct {
	Status   []string
	Category []string
	Urgency  []string
	GridID   *string
	EstateID *string
	// PropertyCompanyID keeps rows at estates this company manages.
	PropertyCompanyID *string
	ReportedFrom      *time.Time
	ReportedTo        *time.Time
}

// Conds translates the filter.
func (f *GridEventFilter) Conds() (store.Conds, error) {
	if f == nil {
		return nil, nil
	}
	return new(store.Filter).In("status", f.Status).In("category", f.Category).In("urgency", f.Urgency).
		Ref("gridId", "grid_id", "Grid", f.GridID).Estate(f.EstateID, f.PropertyCompanyID).
		Range("reported_at", f.ReportedFrom, f.ReportedTo).Done()
}
