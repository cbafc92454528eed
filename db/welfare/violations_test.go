package welfare

import (
	"context"
	"strings"
	"testing"
	"time"

	"civiclink/db/dbtest"
	"civiclink/internal/auth"
)

// TestViolationsNameEveryConstraint: every constraint (and unique index) of the tables the
// commands write has its own entry in violations, and every entry names one that exists.
func TestViolationsNameEveryConstraint(t *testing.T) {
	dbtest.CheckViolations(t, WrittenTables, violations)
}

// TestViolationsNameTheirField: a row breaking each constraint a client's input can break is
// reported as that constraint's own error, naming the input field at fault.
func TestViolationsNameTheirField(t *testing.T) {
	tx := dbtest.Tx(t)
	w := dbtest.NewWorld(t, tx)
	ctx := auth.WithSystem(context.Background())
	start, end := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	p, err := CreateProgram(ctx, tx, NewProgram{Name: "n", Category: "HOUSING", Provider: "p", PeriodStart: start, PeriodEnd: end})
	if err != nil {
		t.Fatal(err)
	}
	s, err := OpenSurvey(ctx, tx, NewSurvey{StationID: w.Station, Period: "2026-Q1", Title: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := SubmitSurveyResponse(ctx, tx, Answer{SurveyID: s.Survey, RespondentKey: "officer-0001", Overall: 1, Belonging: 1, Workload: 1}); err != nil {
		t.Fatal(err)
	}
	program := map[string]any{"name": "n", "category": "HOUSING", "provider": "p", "period_start": start, "period_end": end}
	grant := map[string]any{"program_id": p.Program, "officer_id": w.Officer, "status": "APPLIED", "applied_on": start}
	survey := map[string]any{"station_id": w.Station, "period": "2026-Q2", "title": "t"}
	answer := map[string]any{"survey_id": s.Survey, "respondent_key": "officer-0002", "overall": 1, "belonging": 1, "workload": 1}
	missing := int64(-1)
	dbtest.CheckBreaches(t, tx, violations, violations.Map, []dbtest.Breach{
		{Constraint: "program_name_check", Table: "welfare.program", Row: dbtest.With(program, map[string]any{"name": ""})},
		{Constraint: "program_provider_check", Table: "welfare.program", Row: dbtest.With(program, map[string]any{"provider": ""})},
		{Constraint: "program_category_check", Table: "welfare.program", Row: dbtest.With(program, map[string]any{"category": "YACHT"})},
		{Constraint: "program_check", Table: "welfare.program", Row: dbtest.With(program, map[string]any{"period_end": start.AddDate(0, 0, -1)})},
		{Constraint: "benefit_grant_program_id_fkey", Table: "welfare.benefit_grant", Row: dbtest.With(grant, map[string]any{"program_id": missing})},
		{Constraint: "benefit_grant_officer_id_fkey", Table: "welfare.benefit_grant", Row: dbtest.With(grant, map[string]any{"officer_id": missing})},
		{Constraint: "benefit_grant_amount_check", Table: "welfare.benefit_grant", Row: dbtest.With(grant, map[string]any{"amount": -1.0})},
		{Constraint: "benefit_grant_check", Table: "welfare.benefit_grant", Row: dbtest.With(grant, map[string]any{"status": "APPROVED", "granted_on": start.AddDate(0, 0, -1)})},
		{Constraint: "survey_station_id_period_key", Table: "welfare.survey", Row: dbtest.With(survey, map[string]any{"period": "2026-Q1"})},
		{Constraint: "survey_station_id_fkey", Table: "welfare.survey", Row: dbtest.With(survey, map[string]any{"station_id": missing})},
		{Constraint: "survey_period_check", Table: "welfare.survey", Row: dbtest.With(survey, map[string]any{"period": "2026-Q5"})},
		{Constraint: "survey_title_check", Table: "welfare.survey", Row: dbtest.With(survey, map[string]any{"title": ""})},
		{Constraint: "survey_response_survey_id_respondent_key_key", Table: "welfare.survey_response", Row: dbtest.With(answer, map[string]any{"respondent_key": "officer-0001"})},
		{Constraint: "survey_response_survey_id_fkey", Table: "welfare.survey_response", Row: dbtest.With(answer, map[string]any{"survey_id": missing})},
		{Constraint: "survey_response_respondent_key_check", Table: "welfare.survey_response", Row: dbtest.With(answer, map[string]any{"respondent_key": "short"})},
		{Constraint: "survey_response_overall_check", Table: "welfare.survey_response", Row: dbtest.With(answer, map[string]any{"overall": 0})},
		{Constraint: "survey_response_belonging_check", Table: "welfare.survey_response", Row: dbtest.With(answer, map[string]any{"belonging": 6})},
		{Constraint: "survey_response_workload_check", Table: "welfare.survey_response", Row: dbtest.With(answer, map[string]any{"workload": 0})},
		{Constraint: "survey_response_comment_check", Table: "welfare.survey_response", Row: dbtest.With(answer, map[string]any{"comment": strings.Repeat("x", 2001)})},
	})
}
