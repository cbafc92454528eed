package welfare

import (
	"time"

	"civiclink/db/loaders"
	"civiclink/db/statuslog"
	"civiclink/db/store"
	"civiclink/internal/access"
)

// Tables of the welfare schema.
var (
	Programs        = store.NewTable[Program]("welfare.program").WithPolicy(access.Policy(access.Reference))
	BenefitGrants   = store.NewTable[BenefitGrant]("welfare.benefit_grant").WithPolicy(access.Policy(access.BenefitGrants))
	Surveys         = store.NewTable[Survey]("welfare.survey").WithPolicy(access.Policy(access.Surveys))
	SurveySummaries = store.NewTable[SurveySummary]("welfare.survey_summary").WithPolicy(access.Policy(access.Through("welfare.survey", "survey_id", access.Surveys)))
	BenefitGrantLog = statuslog.New("welfare.benefit_grant_status_log", access.Policy(access.Through("welfare.benefit_grant", "entity_id", access.BenefitGrants)))
)

// Relations of the welfare schema, each served by a per-request batch loader.
var (
	ProgramByID      = loaders.ByID(Programs, (*Program).Key)
	BenefitGrantByID = loaders.ByID(BenefitGrants, (*BenefitGrant).Key)
	SurveyByID       = loaders.ByID(Surveys, (*Survey).Key)

	GrantsOfOfficer      = loaders.Children(BenefitGrants, "officer_id", "t.applied_on DESC, t.id DESC", func(g *BenefitGrant) int64 { return g.OfficerID })
	SummaryOfSurvey      = loaders.Children(SurveySummaries, "survey_id", "t.survey_id", func(s *SurveySummary) int64 { return s.SurveyID })
	GrantPagesOfProgram  = loaders.ChildPages(BenefitGrants, "program_id")
	SurveyPagesOfStation = loaders.ChildPages(Surveys, "station_id")
)

// Orderable columns of each welfare list, by the GraphQL order-field enum value.
var (
	ProgramOrderColumns      = map[string]string{"NAME": "name", "PERIOD_START": "period_start", "CATEGORY": "category"}
	BenefitGrantOrderColumns = map[string]string{"APPLIED_ON": "applied_on", "STATUS": "status"}
	SurveyOrderColumns       = map[string]string{"PERIOD": "period", "TITLE": "title"}
)

// ProgramFilter selects programs.
type ProgramFilter struct {
	Category []string
}

// Conds translates the filter.
func (f *ProgramFilter) Conds() (store.Conds, error) {
	if f == nil {
		return nil, nil
	}
	return new(store.Filter).In("category", f.Category).Done()
}

// BenefitGrantFilter selects benefit grants.
type BenefitGrantFilter struct {
	Status      []string
	ProgramID   *string
	OfficerID   *string
	StationID   *string
	AppliedFrom *time.Time
	AppliedTo   *time.Time
}

// Conds translates the filter.
func (f *BenefitGrantFilter) Conds() (store.Conds, error) {
	if f == nil {
		return nil, nil
	}
	return new(store.Filter).In("status", f.Status).Ref("programId", "program_id", "Program", f.ProgramID).
		Ref("officerId", "officer_id", "Officer", f.OfficerID).Range("applied_on", f.AppliedFrom, f.AppliedTo).
		RefWhere("stationId", "Station", f.StationID, "t.officer_id IN (SELECT o.id FROM police.officer o WHERE o.station_id = ?)").
		Done()
}

// SurveyFilter selects survey rounds.
type SurveyFilter struct {
	StationID *string
	Period    []string
}

// Conds translates the filter.
func (f *SurveyFilter) Conds() (store.Conds, error) {
	if f == nil {
		return nil, nil
	}
	return new(store.Filter).Ref("stationId", "station_id", "Station", f.StationID).In("period", f.Period).Done()
}
