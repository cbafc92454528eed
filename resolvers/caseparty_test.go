package resolvers_test

import (
	"context"
	"testing"

	"civiclink/internal/auth"
	"civiclink/internal/globalid"
	"civiclink/internal/hubtest"
)

// TestCasePartiesGoWithTheReferral: a case registered through the API is given its parties
// (an existing person and one by identity number, added to the person index), one is
// corrected, and the referral opens a dispute with them. Before addCaseParty no mutation gave
// a case its parties, so such a dispute had none.
func TestCasePartiesGoWithTheReferral(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	fx := loadFixtures(t, hub)
	c := fx.mutate(t, "registerCase", "RegisterCaseInput", "case", map[string]any{"stationId": fx.station, "kind": "CALL",
		"category": "NEIGHBOUR_DISPUTE", "source": "HOTLINE_110", "summary": "shouting next door", "gridId": fx.grid})

	type party struct {
		ID, Role string
		Version  int
		Person   *struct{ ID, Name string }
	}
	add := func(in map[string]any) party {
		t.Helper()
		in["caseId"] = c.ID
		var d struct {
			M struct{ CaseParty party }
		}
		fx.try(t, "addCaseParty", "AddCasePartyInput", "caseParty { id role version person { id name } }", in).MustData(t, &d)
		return d.M.CaseParty
	}
	caller := add(map[string]any{"role": "CALLER", "personId": fx.person})
	const idNumber = "11010519491231002X"
	newcomer := map[string]any{"idNumber": idNumber, "name": "Wang Fang", "gender": "FEMALE"}
	suspect := add(map[string]any{"role": "WITNESS", "person": newcomer})
	if suspect.Person == nil || suspect.Person.ID == "" {
		t.Fatalf("party by identity number: expected a person, got %+v", suspect)
	}
	// The same number again names the same person, not a new one.
	again := add(map[string]any{"role": "VICTIM", "person": newcomer})
	if again.Person == nil || again.Person.ID != suspect.Person.ID {
		t.Errorf("the same identity number again: expected person %s, got %+v", suspect.Person.ID, again.Person)
	}
	res := fx.try(t, "addCaseParty", "AddCasePartyInput", "__typename", map[string]any{"caseId": c.ID, "role": "VICTIM",
		"person": map[string]any{"idNumber": "110105194912310021", "name": "x"}})
	if len(res.Errors) == 0 || res.Errors[0].Code() != "BAD_USER_INPUT" || res.Errors[0].Extensions["field"] != "person.idNumber" {
		t.Errorf("a wrong check character: expected BAD_USER_INPUT on person.idNumber, got %s", res.Raw)
	}

	// The witness was in fact the suspect.
	var corrected struct {
		M struct{ CaseParty party }
	}
	fx.try(t, "correctCaseParty", "CorrectCasePartyInput", "caseParty { id role version }", map[string]any{"casePartyId": suspect.ID,
		"version": suspect.Version, "role": "SUSPECT"}).MustData(t, &corrected)
	if corrected.M.CaseParty.Role != "SUSPECT" || corrected.M.CaseParty.Version != suspect.Version+1 {
		t.Errorf("corrected party: expected SUSPECT at version %d, got %+v", suspect.Version+1, corrected.M.CaseParty)
	}
	res = fx.try(t, "correctCaseParty", "CorrectCasePartyInput", "__typename", map[string]any{"casePartyId": suspect.ID, "version": suspect.Version, "role": "WITNESS"})
	if len(res.Errors) == 0 || res.Errors[0].Code() != "CONFLICT" {
		t.Errorf("a stale correction: expected CONFLICT, got %s", res.Raw)
	}
	res = fx.clients[auth.StreetStaff].Query(t, `mutation($in: AddCasePartyInput!) { addCaseParty(input: $in) { __typename } }`,
		map[string]any{"in": map[string]any{"caseId": c.ID, "role": "WITNESS", "personId": fx.person}})
	if len(res.Errors) == 0 || res.Errors[0].Code() != "FORBIDDEN" {
		t.Errorf("street staff adding a case party: expected FORBIDDEN, got %s", res.Raw)
	}

	for _, to := range []string{"DISPATCHED", "ON_SCENE", "NON_POLICE"} {
		c = fx.mutate(t, "advanceCase", "AdvanceCaseInput", "case", map[string]any{"caseId": c.ID, "version": c.Version, "to": to})
	}
	var referred struct {
		M struct{ Dispute struct{ DisputeNo string } }
	}
	fx.try(t, "referCaseToMediation", "ReferCaseToMediationInput", "dispute { disputeNo }", map[string]any{
		"caseId": c.ID, "version": c.Version, "committeeId": fx.committee, "category": "NEIGHBOUR"}).MustData(t, &referred)
	// Dispute parties are for the committee's mediators (and street staff), not the police.
	var dispute struct {
		Dispute struct {
			Parties []struct {
				Side   string
				Person *struct{ ID string }
			}
		}
	}
	fx.clients[auth.Mediator].Query(t, `query($no: String!) { dispute(disputeNo: $no) { parties { side person { id } } } }`,
		map[string]any{"no": referred.M.Dispute.DisputeNo}).MustData(t, &dispute)
	if len(dispute.Dispute.Parties) != 2 {
		t.Errorf("the committee's mediator sees %d parties of the referred dispute, expected 2", len(dispute.Dispute.Parties))
	}
	rows, err := hub.Pool.Query(context.Background(), `SELECT dp.person_id, dp.side FROM mediation.dispute_party dp
		JOIN mediation.dispute d ON d.id = dp.dispute_id WHERE d.dispute_no = $1`, referred.M.Dispute.DisputeNo)
	if err != nil {
		t.Fatal(err)
	}
	sides := map[string]string{}
	for rows.Next() {
		var person int64
		var side string
		if err := rows.Scan(&person, &side); err != nil {
			t.Fatal(err)
		}
		sides[globalid.Encode("Person", person)] = side
	}
	want := map[string]string{caller.Person.ID: "APPLICANT", suspect.Person.ID: "RESPONDENT"}
	if len(sides) != 2 || sides[caller.Person.ID] != want[caller.Person.ID] || sides[suspect.Person.ID] != want[suspect.Person.ID] {
		t.Errorf("the referred dispute's parties: expected %v (the suspect, also a victim, responds), got %v", want, sides)
	}
}
