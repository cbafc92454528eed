package police

import (
	"context"
	"errors"
	"fmt"

	"civiclink/db/police/sqlcdb"
	"civiclink/db/street"
	"civiclink/db/workflow"
	"civiclink/internal/access"
	"civiclink/internal/apierr"
	"civiclink/internal/pii"
	"civiclink/internal/validate"

	"github.com/jackc/pgx/v5"
)

// CasePartyWritten names a case party a command wrote and its case.
type CasePartyWritten struct {
	CaseParty int64 `json:"caseParty"`
	Case      int64 `json:"case"`
}

// PartyPerson names the person of a case party: an existing one (PersonID), or one by
// identity number (Person), matched in the master person index or added to it. Exactly one
// is given.
type PartyPerson struct {
	PersonID *int64
	Person   *street.NewPerson
	// Keys derive the identity number's HMAC and seal it.
	Keys *pii.Keys
}

// resolve returns the person's ID; field names the input ("personId" / "person").
func (p PartyPerson) resolve(ctx context.Context, tx pgx.Tx) (int64, error) {
	switch {
	case (p.PersonID == nil) == (p.Person == nil):
		return 0, validate.Field("personId", "give either personId or person, not both or neither")
	case p.PersonID != nil:
		return *p.PersonID, workflow.MustExist(ctx, tx, "street.person", p.PersonID, "personId", "person")
	default:
		return street.AddPerson(ctx, tx, p.Keys, "person", *p.Person)
	}
}

// NewCaseParty is a party to add to a case.
type NewCaseParty struct {
	CaseID  int64
	Role    string
	IsMinor bool
	PartyPerson
}

// AddCaseParty adds a party (caller, victim, suspect, witness) to an open case of the
// officer's scope, so that a referral takes it along; a person by identity number is matched
// in the master person index, or added to it, as one statement of this transaction.
func AddCaseParty(ctx context.Context, tx pgx.Tx, n NewCaseParty) (CasePartyWritten, error) {
	if err := openCase(ctx, tx, n.CaseID); err != nil {
		return CasePartyWritten{}, err
	}
	person, err := n.resolve(ctx, tx)
	if err != nil {
		return CasePartyWritten{}, err
	}
	id, err := sqlcdb.New(tx).InsertCaseParty(ctx, sqlcdb.InsertCasePartyParams{CaseID: n.CaseID, PersonID: person, Role: n.Role, IsMinor: n.IsMinor})
	if err != nil {
		return CasePartyWritten{}, violations.Map(fmt.Errorf("insert case party: %w", err))
	}
	return CasePartyWritten{CaseParty: id, Case: n.CaseID}, nil
}

// CasePartyCorrection corrects a case party: its role, its minor flag or the person it names
// (nil fields stay as they are), at the party's version the client read.
type CasePartyCorrection struct {
	CasePartyID int64
	Version     int
	Role        *string
	IsMinor     *bool
	// PartyPerson, when it names one, replaces the person.
	PartyPerson
}

// CorrectCaseParty corrects a party of an open case of the officer's scope.
func CorrectCaseParty(ctx context.Context, tx pgx.Tx, c CasePartyCorrection) (CasePartyWritten, error) {
	p := sqlcdb.UpdateCasePartyParams{ID: c.CasePartyID}
	var caseID int64
	locked := workflow.LockVersion(ctx, tx, "police.case_party", "case party", c.CasePartyID, c.Version, "case_id, person_id, role, is_minor",
		&caseID, &p.PersonID, &p.Role, &p.IsMinor)
	var conflict *workflow.ConflictError
	switch {
	case errors.Is(locked, apierr.ErrNotFound):
		return CasePartyWritten{}, &workflow.NotFoundError{Field: "casePartyId", What: "case party"}
	case locked != nil && !errors.As(locked, &conflict):
		return CasePartyWritten{}, locked
	}
	// The case's scope and state are checked before the version: a caller outside the scope
	// learns no version.
	if err := openCase(ctx, tx, caseID); err != nil {
		return CasePartyWritten{}, err
	}
	if conflict != nil {
		return CasePartyWritten{}, conflict
	}
	if c.Role != nil {
		p.Role = *c.Role
	}
	if c.IsMinor != nil {
		p.IsMinor = *c.IsMinor
	}
	if c.PersonID != nil || c.Person != nil {
		person, err := c.resolve(ctx, tx)
		if err != nil {
			return CasePartyWritten{}, err
		}
		p.PersonID = person
	}
	if err := sqlcdb.New(tx).UpdateCaseParty(ctx, p); err != nil {
		return CasePartyWritten{}, violations.Map(fmt.Errorf("correct case party: %w", err))
	}
	return CasePartyWritten{CaseParty: c.CasePartyID, Case: caseID}, nil
}

// openCase refuses a case outside the caller's scope, a missing one, and a closed one.
func openCase(ctx context.Context, tx pgx.Tx, id int64) error {
	if err := access.InScope(ctx, tx, "caseId", `police."case"`, access.Cases, id); err != nil {
		return err
	}
	status, err := sqlcdb.New(tx).CaseStatus(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return &workflow.NotFoundError{Field: "caseId", What: "case"}
	}
	if err != nil {
		return fmt.Errorf("read case: %w", err)
	}
	if workflow.CaseMachine.IsFinal(status) {
		return validate.Field("caseId", "is %s; the parties of a closed case are kept as they were", status)
	}
	return nil
}
