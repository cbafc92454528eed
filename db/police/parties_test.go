package police_test

import (
	"bytes"
	"testing"

	"civiclink/db/dbtest"
	"civiclink/db/police"
	"civiclink/db/street"
	"civiclink/internal/pii"
)

func TestAddCaseParty(t *testing.T) {
	tx := dbtest.Tx(t)
	w := dbtest.NewWorld(t, tx)
	ctx := officer(w)
	keys, err := pii.NewKeys(bytes.Repeat([]byte{1}, pii.KeySize), bytes.Repeat([]byte{2}, pii.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	c, err := police.RegisterCase(ctx, tx, registration(w, "CALL"))
	if err != nil {
		t.Fatal(err)
	}
	newcomer := &street.NewPerson{IDNumber: "11010519491231002x", Name: "Wang Fang", Gender: "FEMALE"}
	first, err := police.AddCaseParty(ctx, tx, police.NewCaseParty{CaseID: c.Case, Role: "VICTIM", PartyPerson: police.PartyPerson{Person: newcomer, Keys: keys}})
	if err != nil {
		t.Fatalf("AddCaseParty by identity number: %v", err)
	}
	second, err := police.AddCaseParty(ctx, tx, police.NewCaseParty{CaseID: c.Case, Role: "CALLER", PartyPerson: police.PartyPerson{
		Person: &street.NewPerson{IDNumber: " 11010519491231002X", Name: "another spelling", Gender: "UNKNOWN"}, Keys: keys}})
	if err != nil {
		t.Fatalf("AddCaseParty by the same number: %v", err)
	}
	var persons, stored int
	var clear bool
	err = tx.QueryRow(ctx, `SELECT count(DISTINCT cp.person_id), count(p.id_number_cipher), bool_or(position('11010519491231002X' IN encode(p.id_number_cipher, 'escape')) > 0)
		FROM police.case_party cp JOIN street.person p ON p.id = cp.person_id WHERE cp.id IN ($1, $2)`, first.CaseParty, second.CaseParty).Scan(&persons, &stored, &clear)
	if err != nil {
		t.Fatal(err)
	}
	if persons != 1 || stored != 2 || clear {
		t.Errorf("two parties by one identity number: expected one person, its number sealed; got %d persons, %d ciphertexts, clear text %v", persons, stored, clear)
	}
	tests := []struct {
		name  string
		party police.NewCaseParty
		field string
	}{
		{"neither person nor ID", police.NewCaseParty{CaseID: c.Case, Role: "WITNESS"}, "personId"},
		{"both", police.NewCaseParty{CaseID: c.Case, Role: "WITNESS", PartyPerson: police.PartyPerson{PersonID: &w.Persons[0], Person: newcomer, Keys: keys}}, "personId"},
		{"a bad identity number", police.NewCaseParty{CaseID: c.Case, Role: "WITNESS", PartyPerson: police.PartyPerson{Person: &street.NewPerson{IDNumber: "123", Name: "x", Gender: "UNKNOWN"}, Keys: keys}}, "person.idNumber"},
		{"the same role twice", police.NewCaseParty{CaseID: c.Case, Role: "VICTIM", PartyPerson: police.PartyPerson{Person: newcomer, Keys: keys}}, "role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp, err := tx.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer sp.Rollback(ctx)
			if _, err := police.AddCaseParty(ctx, sp, tt.party); fieldOf(err) != tt.field {
				t.Errorf("expected BAD_USER_INPUT on %s, got %v", tt.field, err)
			}
		})
	}
}
