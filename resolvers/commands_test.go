package resolvers_test

import (
	"testing"
	"time"

	"civiclink/internal/hubtest"
)

// TestOtherCommands covers the commands outside the status machines: re-rating a risk,
// judicial confirmation, converting an event into a case, sessions, follow-ups and surveys.
func TestOtherCommands(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	fx := loadFixtures(t, hub)
	// Timestamps a little ahead (within the allowed clock skew) so they follow the rows
	// created during the test, which are stamped with sub-second precision.
	now := time.Now().UTC().Add(30 * time.Second).Format(time.RFC3339)

	// Re-rating raises the level; a stale version is refused.
	item := fx.mutate(t, "addRiskItem", "AddRiskItemInput", "riskItem", map[string]any{"gridId": fx.grid,
		"dimension": "FEASIBILITY", "description": "funding gap", "likelihood": 1, "impact": 2})
	res := fx.try(t, "rateRiskItem", "RateRiskItemInput", "riskItem { level version }", map[string]any{"riskItemId": item.ID, "version": item.Version, "likelihood": 4, "impact": 5})
	var rated struct {
		M struct {
			RiskItem struct {
				Level   string
				Version int
			}
		}
	}
	res.MustData(t, &rated)
	if rated.M.RiskItem.Level != "HIGH" || rated.M.RiskItem.Version != item.Version+1 {
		t.Errorf("re-rated item = %+v, want HIGH at version %d", rated.M.RiskItem, item.Version+1)
	}
	res = fx.try(t, "rateRiskItem", "RateRiskItemInput", "riskItem { level }", map[string]any{"riskItemId": item.ID, "version": item.Version, "likelihood": 1, "impact": 1})
	if len(res.Errors) == 0 || res.Errors[0].Code() != "CONFLICT" {
		t.Errorf("stale re-rating: want CONFLICT, got %s", res.Raw)
	}

	// A dispute through mediation: session, agreement, follow-up, judicial confirmation.
	d := fx.mutate(t, "registerDispute", "RegisterDisputeInput", "dispute", map[string]any{"committeeId": fx.committee,
		"source": "COMMITTEE_INITIATIVE", "category": "PROPERTY_MANAGEMENT", "summary": "fees", "gridId": fx.grid,
		"parties": []map[string]any{{"personId": fx.person, "side": "APPLICANT"}}})
	for _, to := range []string{"ACCEPTED", "IN_MEDIATION"} {
		d = fx.mutate(t, "advanceDispute", "AdvanceDisputeInput", "dispute", map[string]any{"disputeId": d.ID, "version": d.Version, "to": to})
	}
	res = fx.try(t, "recordMediationSession", "RecordMediationSessionInput", "session { approaches }", map[string]any{"disputeId": d.ID,
		"heldAt": now, "place": "community room", "approaches": []string{"EMOTIONAL_COUNSELLING", "NOTABLE_PERSUASION"}, "record": "both spoke"})
	var session struct {
		M struct{ Session struct{ Approaches []string } }
	}
	res.MustData(t, &session)
	if len(session.M.Session.Approaches) != 2 {
		t.Errorf("session approaches = %v, want both", session.M.Session.Approaches)
	}
	res = fx.try(t, "recordAgreement", "RecordAgreementInput", "agreement { id version judicialConfirmation }", map[string]any{"disputeId": d.ID,
		"version": d.Version, "form": "WRITTEN", "terms": "pay by June", "signedAt": now})
	var agreed struct {
		M struct {
			Agreement struct {
				ID                   string
				Version              int
				JudicialConfirmation string
			}
		}
	}
	res.MustData(t, &agreed)
	a := agreed.M.Agreement
	res = fx.try(t, "recordFollowUp", "RecordFollowUpInput", "agreement { followUps { performance satisfaction } }", map[string]any{"agreementId": a.ID,
		"visitedAt": now, "visitor": "grid worker", "performance": "PARTIAL", "satisfaction": 4})
	var followed struct {
		M struct {
			Agreement struct {
				FollowUps []struct{ Performance string }
			}
		}
	}
	res.MustData(t, &followed)
	if len(followed.M.Agreement.FollowUps) != 1 {
		t.Errorf("follow-ups = %v, want one", followed.M.Agreement.FollowUps)
	}
	res = fx.try(t, "applyForJudicialConfirmation", "ApplyForJudicialConfirmationInput", "agreement { judicialConfirmation }", map[string]any{"agreementId": a.ID, "version": a.Version})
	var applied struct {
		M struct {
			Agreement struct{ JudicialConfirmation string }
		}
	}
	res.MustData(t, &applied)
	if applied.M.Agreement.JudicialConfirmation != "APPLIED" {
		t.Errorf("judicial confirmation = %s, want APPLIED", applied.M.Agreement.JudicialConfirmation)
	}
	res = fx.try(t, "applyForJudicialConfirmation", "ApplyForJudicialConfirmationInput", "__typename", map[string]any{"agreementId": a.ID, "version": a.Version + 1})
	if len(res.Errors) == 0 || res.Errors[0].Code() != "INVALID_TRANSITION" {
		t.Errorf("applying twice: want INVALID_TRANSITION, got %s", res.Raw)
	}

	// A grid event converted into a case keeps the link both ways.
	e := fx.mutate(t, "reportGridEvent", "ReportGridEventInput", "gridEvent", map[string]any{"gridId": fx.grid,
		"category": "SAFETY_HAZARD", "urgency": "HIGH", "summary": "loose cables"})
	res = fx.try(t, "convertGridEvent", "ConvertGridEventInput", "gridEvent { status convertedCase { caseNo source status sourceEvents { id } } }",
		map[string]any{"gridEventId": e.ID, "version": e.Version, "into": "CASE", "caseCategory": "PUBLIC_ORDER"})
	var conv struct {
		M struct {
			GridEvent struct {
				Status        string
				ConvertedCase *struct {
					CaseNo, Source, Status string
					SourceEvents           []struct{ ID string }
				}
			}
		}
	}
	res.MustData(t, &conv)
	c := conv.M.GridEvent.ConvertedCase
	if conv.M.GridEvent.Status != "CONVERTED" || c == nil || c.Source != "TRANSFER" || c.Status != "RECEIVED" || len(c.SourceEvents) != 1 || c.SourceEvents[0].ID != e.ID {
		t.Errorf("conversion = %+v, want a CONVERTED event pointing at a new TRANSFER case that points back", conv.M.GridEvent)
	}

	// Survey: a round, one answer per respondent.
	res = fx.try(t, "openSurvey", "OpenSurveyInput", "survey { id }", map[string]any{"stationId": fx.station, "period": "2026-11", "title": "November pulse"})
	var opened struct {
		M struct{ Survey struct{ ID string } }
	}
	res.MustData(t, &opened)
	answer := map[string]any{"surveyId": opened.M.Survey.ID, "respondentKey": "officer-0001", "overall": 4, "belonging": 5, "workload": 2}
	fx.try(t, "submitSurveyResponse", "SubmitSurveyResponseInput", "survey { summary { suppressed } }", answer).MustData(t, &struct{}{})
	res = fx.try(t, "submitSurveyResponse", "SubmitSurveyResponseInput", "__typename", answer)
	if len(res.Errors) == 0 || res.Errors[0].Extensions["field"] != "respondentKey" {
		t.Errorf("second answer by the same respondent: want BAD_USER_INPUT on respondentKey, got %s", res.Raw)
	}
}
