package risk

import (
	"context"
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
	var dispute int64
	if err := tx.QueryRow(ctx, `INSERT INTO mediation.dispute (dispute_no, committee_id, source, category, difficulty, status, summary, received_at)
		VALUES ('T2026-99999', $1, 'PARTY_APPLICATION', 'NEIGHBOUR', 'ORDINARY', 'RECEIVED', 'a wall', now()) RETURNING id`, w.Committee).Scan(&dispute); err != nil {
		t.Fatal(err)
	}
	item, err := AddRiskItem(ctx, tx, NewRiskItem{GridID: w.Grid, Dimension: "LEGALITY", Description: "d", Likelihood: 1, Impact: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LinkRiskItem(ctx, tx, LinkRequest{RiskItemID: item.RiskItem, TargetType: "Dispute", TargetID: dispute}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	assessment := map[string]any{"title": "t", "subject_type": "PROJECT", "responsible_unit": "u", "status": "PROPOSED", "opened_at": now}
	riskItem := map[string]any{"grid_id": w.Grid, "dimension": "LEGALITY", "description": "d", "likelihood": 1, "impact": 1, "status": "IDENTIFIED", "identified_at": now}
	measure := map[string]any{"risk_item_id": item.RiskItem, "action": "a", "owner_unit": "u", "due_on": now, "status": "PLANNED"}
	link := map[string]any{"risk_item_id": item.RiskItem, "dispute_id": dispute}
	missing := int64(-1)
	dbtest.CheckBreaches(t, tx, violations, violations.Map, []dbtest.Breach{
		{Constraint: "assessment_grid_id_fkey", Table: "risk.assessment", Row: dbtest.With(assessment, map[string]any{"grid_id": missing})},
		{Constraint: "assessment_title_check", Table: "risk.assessment", Row: dbtest.With(assessment, map[string]any{"title": ""})},
		{Constraint: "assessment_responsible_unit_check", Table: "risk.assessment", Row: dbtest.With(assessment, map[string]any{"responsible_unit": ""})},
		{Constraint: "assessment_subject_type_check", Table: "risk.assessment", Row: dbtest.With(assessment, map[string]any{"subject_type": "WISH"})},
		{Constraint: "assessment_level_check", Table: "risk.assessment", Row: dbtest.With(assessment, map[string]any{"level": "EXTREME"})},
		{Constraint: "assessment_decision_check", Table: "risk.assessment", Row: dbtest.With(assessment, map[string]any{"decision": "MAYBE", "decided_at": now})},
		{Constraint: "assessment_check", Table: "risk.assessment", Row: dbtest.With(assessment, map[string]any{"decision": "PROCEED", "decided_at": now.Add(-time.Hour)})},
		{Constraint: "risk_item_grid_id_fkey", Table: "risk.risk_item", Row: dbtest.With(riskItem, map[string]any{"grid_id": missing})},
		{Constraint: "risk_item_estate_id_fkey", Table: "risk.risk_item", Row: dbtest.With(riskItem, map[string]any{"estate_id": missing})},
		{Constraint: "risk_item_assessment_id_fkey", Table: "risk.risk_item", Row: dbtest.With(riskItem, map[string]any{"assessment_id": missing})},
		{Constraint: "risk_item_dimension_check", Table: "risk.risk_item", Row: dbtest.With(riskItem, map[string]any{"dimension": "MOOD"})},
		{Constraint: "risk_item_description_check", Table: "risk.risk_item", Row: dbtest.With(riskItem, map[string]any{"description": ""})},
		{Constraint: "risk_item_likelihood_check", Table: "risk.risk_item", Row: dbtest.With(riskItem, map[string]any{"likelihood": 6})},
		{Constraint: "risk_item_impact_check", Table: "risk.risk_item", Row: dbtest.With(riskItem, map[string]any{"impact": 0})},
		{Constraint: "measure_risk_item_id_fkey", Table: "risk.measure", Row: dbtest.With(measure, map[string]any{"risk_item_id": missing})},
		{Constraint: "measure_action_check", Table: "risk.measure", Row: dbtest.With(measure, map[string]any{"action": ""})},
		{Constraint: "measure_owner_unit_check", Table: "risk.measure", Row: dbtest.With(measure, map[string]any{"owner_unit": ""})},
		{Constraint: "risk_link_unique_idx", Table: "risk.risk_link", Row: link},
		{Constraint: "risk_link_risk_item_id_fkey", Table: "risk.risk_link", Row: dbtest.With(link, map[string]any{"risk_item_id": missing})},
		{Constraint: "risk_link_case_id_fkey", Table: "risk.risk_link", Row: dbtest.With(link, map[string]any{"dispute_id": nil, "case_id": missing})},
		{Constraint: "risk_link_dispute_id_fkey", Table: "risk.risk_link", Row: dbtest.With(link, map[string]any{"dispute_id": missing})},
		{Constraint: "risk_link_grid_event_id_fkey", Table: "risk.risk_link", Row: dbtest.With(link, map[string]any{"dispute_id": nil, "grid_event_id": missing})},
	})
}
