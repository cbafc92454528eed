package resolvers_test

import (
	"context"
	"sync"
	"testing"

	"civiclink/internal/auth"
	"civiclink/internal/hubtest"
	"civiclink/playground"
)

// nonPoliceCase registers a NON_POLICE case and walks it to status NON_POLICE.
func nonPoliceCase(t *testing.T, fx *fixtures) entity {
	t.Helper()
	e := fx.mutate(t, "registerCase", "RegisterCaseInput", "case", map[string]any{"stationId": fx.station, "kind": "NON_POLICE",
		"category": "NEIGHBOUR_DISPUTE", "source": "HOTLINE_110", "summary": "dog barking", "gridId": fx.grid})
	for _, to := range []string{"DISPATCHED", "ON_SCENE", "NON_POLICE"} {
		e = fx.mutate(t, "advanceCase", "AdvanceCaseInput", "case", map[string]any{"caseId": e.ID, "version": e.Version, "to": to})
	}
	return e
}

func referCaseQuery(t *testing.T) string {
	t.Helper()
	examples, err := playground.Examples()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range examples {
		if e.Name == "refer-case" {
			return e.Query
		}
	}
	t.Fatal("the refer-case contract query is missing from the playground examples")
	return ""
}

type referred struct {
	ReferCaseToMediation struct {
		Case struct {
			CaseNo, Status string
			Version        int
		}
		Dispute struct {
			ID, DisputeNo, Status, Source string
			ReferredCase                  struct{ CaseNo string }
			Committee                     struct{ Name string }
		}
	}
}

// TestReferCaseContract runs the front-end teams' refer-case mutation as written, retries it
// with the same idempotency key, and reuses the key for another input.
func TestReferCaseContract(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	fx := loadFixtures(t, hub)
	c := nonPoliceCase(t, fx)
	q := referCaseQuery(t)
	input := map[string]any{"caseId": c.ID, "version": c.Version, "committeeId": fx.committee, "category": "NEIGHBOUR", "idempotencyKey": "refer-1"}

	var first referred
	police := fx.clients[auth.PoliceOfficer]
	police.Query(t, q, map[string]any{"input": input}).MustData(t, &first)
	got := first.ReferCaseToMediation
	if got.Case.Status != "REFERRED" || got.Case.Version != c.Version+1 {
		t.Errorf("case after referral = %s v%d, want REFERRED v%d", got.Case.Status, got.Case.Version, c.Version+1)
	}
	if got.Dispute.Source != "POLICE_REFERRAL" || got.Dispute.Status != "RECEIVED" || got.Dispute.ReferredCase.CaseNo != got.Case.CaseNo || got.Dispute.Committee.Name == "" {
		t.Errorf("dispute = %+v, want a RECEIVED POLICE_REFERRAL dispute pointing at case %s", got.Dispute, got.Case.CaseNo)
	}

	var again referred
	police.Query(t, q, map[string]any{"input": input}).MustData(t, &again)
	if again.ReferCaseToMediation.Dispute.ID != got.Dispute.ID {
		t.Errorf("retry with the same key gave dispute %s, want the first one %s", again.ReferCaseToMediation.Dispute.ID, got.Dispute.ID)
	}
	var disputes int
	if err := hub.Pool.QueryRow(context.Background(), `SELECT count(*) FROM mediation.dispute d JOIN police."case" c ON c.id = d.referred_case_id WHERE c.case_no = $1`,
		got.Case.CaseNo).Scan(&disputes); err != nil || disputes != 1 {
		t.Errorf("%d disputes for the case after a retry (%v), want 1", disputes, err)
	}

	input["category"] = "FAMILY"
	res := police.Query(t, q, map[string]any{"input": input})
	if len(res.Errors) == 0 || res.Errors[0].Code() != "BAD_USER_INPUT" || res.Errors[0].Extensions["field"] != "idempotencyKey" {
		t.Errorf("same key, other input: want BAD_USER_INPUT on idempotencyKey, got %s", res.Raw)
	}
}

// TestAllOrNothing makes the second half of cross-agency steps fail and checks that the first
// half was not written.
func TestAllOrNothing(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	fx := loadFixtures(t, hub)
	ctx := context.Background()
	c := nonPoliceCase(t, fx)
	// The committee is checked after the case is read; give one that does not exist.
	res := fx.try(t, "referCaseToMediation", "ReferCaseToMediationInput", "case { status }", map[string]any{
		"caseId": c.ID, "version": c.Version, "committeeId": "Q29tbWl0dGVlOjk5OTk5OTk", "category": "NEIGHBOUR"})
	if len(res.Errors) == 0 || res.Errors[0].Code() != "NOT_FOUND" {
		t.Fatalf("referral to a missing committee: want NOT_FOUND, got %s", res.Raw)
	}
	var status string
	var version int
	if err := hub.Pool.QueryRow(ctx, `SELECT status, version FROM police."case" WHERE id = (SELECT max(id) FROM police."case")`).Scan(&status, &version); err != nil {
		t.Fatal(err)
	}
	if status != "NON_POLICE" || version != c.Version {
		t.Errorf("case after a failed referral = %s v%d, want it untouched at NON_POLICE v%d", status, version, c.Version)
	}

	// A FAILED dispute's escalation needs a grid; without one the dispute must stay as it was.
	d := fx.mutate(t, "registerDispute", "RegisterDisputeInput", "dispute", map[string]any{"committeeId": fx.committee,
		"source": "PARTY_APPLICATION", "category": "FAMILY", "summary": "inheritance",
		"parties": []map[string]any{{"personId": fx.person, "side": "APPLICANT"}}})
	for _, to := range []string{"ACCEPTED", "IN_MEDIATION"} {
		d = fx.mutate(t, "advanceDispute", "AdvanceDisputeInput", "dispute", map[string]any{"disputeId": d.ID, "version": d.Version, "to": to})
	}
	res = fx.try(t, "advanceDispute", "AdvanceDisputeInput", "dispute { status }", map[string]any{"disputeId": d.ID, "version": d.Version,
		"to": "FAILED", "escalation": map[string]any{"description": "may turn violent", "likelihood": 4, "impact": 4}})
	if len(res.Errors) == 0 || res.Errors[0].Code() != "BAD_USER_INPUT" {
		t.Fatalf("escalation without a grid: want BAD_USER_INPUT, got %s", res.Raw)
	}
	var logs int
	if err := hub.Pool.QueryRow(ctx, `SELECT count(*) FROM mediation.dispute_status_log WHERE to_status = 'FAILED'
		AND entity_id = (SELECT max(id) FROM mediation.dispute)`).Scan(&logs); err != nil || logs != 0 {
		t.Errorf("%d FAILED log rows after a refused escalation (%v), want 0", logs, err)
	}
}

// TestEscalation fails a dispute with an escalation: a HIGH risk item linked to it appears in
// the same transaction.
func TestEscalation(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	fx := loadFixtures(t, hub)
	d := fx.mutate(t, "registerDispute", "RegisterDisputeInput", "dispute", map[string]any{"committeeId": fx.committee,
		"source": "PARTY_APPLICATION", "category": "NEIGHBOUR", "summary": "parking", "gridId": fx.grid,
		"parties": []map[string]any{{"personId": fx.person, "side": "APPLICANT"}}})
	for _, to := range []string{"ACCEPTED", "IN_MEDIATION"} {
		d = fx.mutate(t, "advanceDispute", "AdvanceDisputeInput", "dispute", map[string]any{"disputeId": d.ID, "version": d.Version, "to": to})
	}
	res := fx.try(t, "advanceDispute", "AdvanceDisputeInput", "dispute { status riskItems { id } } riskItem { level status links { __typename } }",
		map[string]any{"disputeId": d.ID, "version": d.Version, "to": "FAILED",
			"escalation": map[string]any{"description": "may turn violent", "likelihood": 4, "impact": 4}})
	var out struct {
		M struct {
			Dispute struct {
				Status    string
				RiskItems []struct{ ID string }
			}
			RiskItem struct {
				Level, Status string
				Links         []struct {
					Typename string `json:"__typename"`
				}
			}
		}
	}
	res.MustData(t, &out)
	if out.M.Dispute.Status != "FAILED" || len(out.M.Dispute.RiskItems) != 1 || out.M.RiskItem.Level != "HIGH" ||
		len(out.M.RiskItem.Links) != 1 || out.M.RiskItem.Links[0].Typename != "Dispute" {
		t.Errorf("escalation = %+v, want a FAILED dispute with one HIGH risk item linked back to it", out.M)
	}
}

// TestRace has two clients move the same dispute from the same version at once: exactly one
// wins, the other gets CONFLICT, and the dispute moved once.
func TestRace(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	fx := loadFixtures(t, hub)
	for round := range 5 {
		d := fx.mutate(t, "registerDispute", "RegisterDisputeInput", "dispute", map[string]any{"committeeId": fx.committee,
			"source": "PARTY_APPLICATION", "category": "NEIGHBOUR", "summary": "race", "gridId": fx.grid,
			"parties": []map[string]any{{"personId": fx.person, "side": "APPLICANT"}}})
		targets := []string{"ACCEPTED", "DECLINED"}
		codes := make([]string, 2)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, to := range targets {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				res := fx.try(t, "advanceDispute", "AdvanceDisputeInput", "dispute { status }", map[string]any{"disputeId": d.ID, "version": d.Version, "to": to})
				if len(res.Errors) > 0 {
					codes[i] = res.Errors[0].Code()
				} else {
					codes[i] = "OK"
				}
			}()
		}
		close(start)
		wg.Wait()
		ok, conflict := 0, 0
		for _, c := range codes {
			switch c {
			case "OK":
				ok++
			case "CONFLICT":
				conflict++
			}
		}
		if ok != 1 || conflict != 1 {
			t.Fatalf("round %d: outcomes %v, want exactly one OK and one CONFLICT", round, codes)
		}
		var logs int
		if err := hub.Pool.QueryRow(context.Background(), `SELECT count(*) FROM mediation.dispute_status_log WHERE entity_id = (SELECT max(id) FROM mediation.dispute)`).Scan(&logs); err != nil || logs != 2 {
			t.Errorf("round %d: %d status-log rows (%v), want 2 (created and one move)", round, logs, err)
		}
	}
}

// TestValidation sends inputs that break each kind of rule; each gets BAD_USER_INPUT naming
// the field, and nothing is written.
func TestValidation(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	fx := loadFixtures(t, hub)
	police := fx.mutate(t, "registerCase", "RegisterCaseInput", "case", map[string]any{"stationId": fx.station, "kind": "CALL",
		"category": "THEFT", "source": "WALK_IN", "summary": "bike stolen"})
	tests := []struct {
		name, mutation, inputType string
		input                     map[string]any
		field                     string
	}{
		{"empty summary", "registerCase", "RegisterCaseInput", map[string]any{"stationId": fx.station, "kind": "CALL", "category": "THEFT", "source": "WALK_IN", "summary": "  "}, "summary"},
		{"summary too long", "registerCase", "RegisterCaseInput", map[string]any{"stationId": fx.station, "kind": "CALL", "category": "THEFT", "source": "WALK_IN", "summary": string(make([]rune, 2001))}, "summary"},
		{"occurred after received", "registerCase", "RegisterCaseInput", map[string]any{"stationId": fx.station, "kind": "CALL", "category": "THEFT", "source": "WALK_IN", "summary": "x",
			"occurredAt": "2026-01-02T00:00:00Z", "receivedAt": "2026-01-01T00:00:00Z"}, "receivedAt"},
		{"received in the future", "registerCase", "RegisterCaseInput", map[string]any{"stationId": fx.station, "kind": "CALL", "category": "THEFT", "source": "WALK_IN", "summary": "x",
			"receivedAt": "2999-01-01T00:00:00Z"}, "receivedAt"},
		{"station ID of another type", "registerCase", "RegisterCaseInput", map[string]any{"stationId": fx.grid, "kind": "CALL", "category": "THEFT", "source": "WALK_IN", "summary": "x"}, "stationId"},
		{"only NON_POLICE cases are referred", "referCaseToMediation", "ReferCaseToMediationInput", map[string]any{"caseId": police.ID, "version": police.Version, "committeeId": fx.committee, "category": "OTHER"}, "caseId"},
		{"likelihood out of range", "addRiskItem", "AddRiskItemInput", map[string]any{"gridId": fx.grid, "dimension": "LEGALITY", "description": "x", "likelihood": 6, "impact": 1}, "likelihood"},
		{"score out of range", "submitSurveyResponse", "SubmitSurveyResponseInput", map[string]any{"surveyId": "U3VydmV5OjE", "respondentKey": "abcdefgh", "overall": 0, "belonging": 3, "workload": 3}, "overall"},
		{"period backwards", "createProgram", "CreateProgramInput", map[string]any{"name": "x", "category": "HOUSING", "provider": "y", "periodStart": "2026-02-01", "periodEnd": "2026-01-01"}, "periodEnd"},
		{"dispute without applicant", "registerDispute", "RegisterDisputeInput", map[string]any{"committeeId": fx.committee, "source": "PARTY_APPLICATION", "category": "OTHER", "summary": "x",
			"parties": []map[string]any{{"personId": fx.person, "side": "RESPONDENT"}}}, "parties"},
		{"bad survey period", "openSurvey", "OpenSurveyInput", map[string]any{"stationId": fx.station, "period": "2026-Q5", "title": "x"}, "period"},
		{"idempotency key too long", "registerCase", "RegisterCaseInput", map[string]any{"stationId": fx.station, "kind": "CALL", "category": "THEFT", "source": "WALK_IN", "summary": "x",
			"idempotencyKey": string(make([]byte, 201))}, "idempotencyKey"},
	}
	var before int
	_ = hub.Pool.QueryRow(context.Background(), `SELECT count(*) FROM police."case"`).Scan(&before)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := fx.try(t, tt.mutation, tt.inputType, "__typename", tt.input)
			if len(res.Errors) == 0 {
				t.Fatalf("accepted, want BAD_USER_INPUT on %s", tt.field)
			}
			if e := res.Errors[0]; e.Code() != "BAD_USER_INPUT" || e.Extensions["field"] != tt.field {
				t.Errorf("got %s on %v (%s), want BAD_USER_INPUT on %s", e.Code(), e.Extensions["field"], e.Message, tt.field)
			}
		})
	}
	var after int
	_ = hub.Pool.QueryRow(context.Background(), `SELECT count(*) FROM police."case"`).Scan(&after)
	if after != before {
		t.Errorf("%d cases written by refused registrations, want none", after-before)
	}
}
