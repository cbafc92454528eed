package risk

import (
	"time"

	"civiclink/db/loaders"
	"civiclink/db/statuslog"
	"civiclink/db/store"
	"civiclink/internal/access"
	"civiclink/internal/clock"
)

// Tables of the risk schema.
var (
	Assessments   = store.NewTable[Assessment]("risk.assessment").WithPolicy(access.Policy(access.Assessments))
	RiskItems     = store.NewTable[RiskItem]("risk.risk_item").WithPolicy(access.Policy(access.RiskItems))
	Measures      = store.NewTable[Measure]("risk.measure").WithPolicy(access.Policy(access.Measures))
	Links         = store.NewTable[Link]("risk.risk_link").WithPolicy(access.Policy(access.RiskLinks))
	AssessmentLog = statuslog.New("risk.assessment_status_log", access.Policy(access.Through("risk.assessment", "entity_id", access.Assessments)))
	RiskItemLog   = statuslog.New("risk.risk_item_status_log", access.Policy(access.Through("risk.risk_item", "entity_id", access.RiskItems)))
)

// Relations of the risk schema, each served by a per-request batch loader.
var (
	AssessmentByID = loaders.ByID(Assessments, (*Assessment).Key)
	RiskItemByID   = loaders.ByID(RiskItems, (*RiskItem).Key)
	MeasureByID    = loaders.ByID(Measures, (*Measure).Key)

	ItemsOfAssessment = loaders.Children(RiskItems, "assessment_id", "t.identified_at, t.id", func(r *RiskItem) int64 { return *r.AssessmentID })
	MeasuresOfItem    = loaders.Children(Measures, "risk_item_id", "t.due_on, t.id", func(m *Measure) int64 { return m.RiskItemID })
	LinksOfItem       = loaders.Children(Links, "risk_item_id", "t.id", func(l *Link) int64 { return l.RiskItemID })
	LinksOfCase       = loaders.Children(Links, "case_id", "t.id", func(l *Link) int64 { return *l.CaseID })
	LinksOfDispute    = loaders.Children(Links, "dispute_id", "t.id", func(l *Link) int64 { return *l.DisputeID })
	LinksOfGridEvent  = loaders.Children(Links, "grid_event_id", "t.id", func(l *Link) int64 { return *l.GridEventID })

	ItemPagesOfGrid       = loaders.ChildPages(RiskItems, "grid_id")
	AssessmentPagesOfGrid = loaders.ChildPages(Assessments, "grid_id")
)

// Orderable columns of each risk list, by the GraphQL order-field enum value.
var (
	AssessmentOrderColumns = map[string]string{"OPENED_AT": "opened_at", "STATUS": "status", "TITLE": "title"}
	RiskItemOrderColumns   = map[string]string{"IDENTIFIED_AT": "identified_at", "LEVEL": "level", "STATUS": "status", "LIKELIHOOD": "likelihood", "IMPACT": "impact"}
)

// AssessmentFilter selects assessments.
type AssessmentFilter struct {
	Status      []string
	Level       []string
	SubjectType []string
	GridID      *string
	OpenedFrom  *time.Time
	OpenedTo    *time.Time
}

// Conds translates the filter.
func (f *AssessmentFilter) Conds() (store.Conds, error) {
	if f == nil {
		return nil, nil
	}
	return new(store.Filter).In("status", f.Status).In("level", f.Level).In("subject_type", f.SubjectType).
		Ref("gridId", "grid_id", "Grid", f.GridID).Range("opened_at", f.OpenedFrom, f.OpenedTo).Done()
}

// RiskItemFilter selects risk items.
type RiskItemFilter struct {
	Status       []string
	Level        []string
	Dimension    []string
	GridID       *string
	AssessmentID *string
	// EstateID and PropertyCompanyID keep rows at this estate, at estates this company manages.
	EstateID, PropertyCompanyID *string
	HasOverdueMeasure           *bool
	IdentifiedFrom              *time.Time
	IdentifiedTo                *time.Time
}

// Conds translates the filter.
func (f *RiskItemFilter) Conds() (store.Conds, error) {
	if f == nil {
		return nil, nil
	}
	flt := new(store.Filter).In("status", f.Status).In("level", f.Level).In("dimension", f.Dimension).
		Ref("gridId", "grid_id", "Grid", f.GridID).Ref("assessmentId", "assessment_id", "Assessment", f.AssessmentID).
		Estate(f.EstateID, f.PropertyCompanyID).Range("identified_at", f.IdentifiedFrom, f.IdentifiedTo)
	if f.HasOverdueMeasure != nil {
		sub := "EXISTS (SELECT 1 FROM risk.measure m WHERE m.risk_item_id = t.id AND m.status <> 'DONE' AND m.due_on + hub.rule_days('MEASURE_OVERDUE', m.due_on) < " + clock.SQLToday + ")"
		if !*f.HasOverdueMeasure {
			sub = "NOT " + sub
		}
		flt.Cond(true, store.Raw(sub))
	}
	return flt.Done()
}
