package resolvers

// The police mutations (schema/police.graphqls): each decodes its input's IDs, runs the
// command of db/police in one transaction, and reads the rows it wrote afresh.

import (
	"context"

	"civiclink/db/mediation"
	"civiclink/db/police"
	"civiclink/db/street"
	"civiclink/graph/model"
)

func (r *mutationResolver) registerCase(ctx context.Context, in model.RegisterCaseInput) (*model.CasePayload, error) {
	station, err := pk("stationId", "Station", in.StationID)
	if err != nil {
		return nil, err
	}
	grid, err := optPK("gridId", "Grid", in.GridID)
	if err != nil {
		return nil, err
	}
	estate, err := optPK("estateId", "Estate", in.EstateID)
	if err != nil {
		return nil, err
	}
	officer, err := optPK("leadOfficerId", "Officer", in.LeadOfficerID)
	if err != nil {
		return nil, err
	}
	res, err := command(ctx, r, "registerCase", in.IdempotencyKey, in, police.RegisterCase, police.Registration{StationID: station,
		Kind: in.Kind, Category: in.Category, Source: in.Source, Summary: in.Summary, OccurredAt: in.OccurredAt, ReceivedAt: in.ReceivedAt,
		GridID: grid, EstateID: estate, LeadOfficerID: officer, Address: in.Address})
	return r.caseWritten(ctx, res, err)
}

func (r *mutationResolver) advanceCase(ctx context.Context, in model.AdvanceCaseInput) (*model.CasePayload, error) {
	id, err := pk("caseId", "Case", in.CaseID)
	if err != nil {
		return nil, err
	}
	res, err := command(ctx, r, "advanceCase", in.IdempotencyKey, in, police.AdvanceCase,
		police.CaseMove{CaseID: id, Version: in.Version, To: in.To, Reason: in.Reason, Disposition: in.Disposition})
	return r.caseWritten(ctx, res, err)
}

func (r *mutationResolver) referCaseToMediation(ctx context.Context, in model.ReferCaseToMediationInput) (*model.ReferCaseToMediationPayload, error) {
	id, err := pk("caseId", "Case", in.CaseID)
	if err != nil {
		return nil, err
	}
	committee, err := pk("committeeId", "Committee", in.CommitteeID)
	if err != nil {
		return nil, err
	}
	res, err := command(ctx, r, "referCaseToMediation", in.IdempotencyKey, in, police.ReferCase, police.Referral{CaseID: id, Version: in.Version,
		CommitteeID: committee, Category: in.Category, Difficulty: in.Difficulty, Summary: in.Summary, Reason: in.Reason})
	if err != nil {
		return nil, err
	}
	c, err := row(ctx, r.DB, police.Cases, res.Case)
	if err != nil {
		return nil, err
	}
	d, err := row(ctx, r.DB, mediation.Disputes, res.Dispute)
	return &model.ReferCaseToMediationPayload{Case: c, Dispute: d}, err
}

// caseWritten reads the case a command wrote.
func (r *mutationResolver) caseWritten(ctx context.Context, res police.CaseWritten, err error) (*model.CasePayload, error) {
	if err != nil {
		return nil, err
	}
	c, err := row(ctx, r.DB, police.Cases, res.Case)
	return &model.CasePayload{Case: c}, err
}

func (r *mutationResolver) addCaseParty(ctx context.Context, in model.AddCasePartyInput) (*model.CasePartyPayload, error) {
	id, err := pk("caseId", "Case", in.CaseID)
	if err != nil {
		return nil, err
	}
	who, err := r.partyPerson(in.PersonID, in.Person)
	if err != nil {
		return nil, err
	}
	res, err := command(ctx, r, "addCaseParty", in.IdempotencyKey, in, police.AddCaseParty,
		police.NewCaseParty{CaseID: id, Role: in.Role, IsMinor: in.IsMinor, PartyPerson: who})
	return r.casePartyWritten(ctx, res, err)
}

func (r *mutationResolver) correctCaseParty(ctx context.Context, in model.CorrectCasePartyInput) (*model.CasePartyPayload, error) {
	id, err := pk("casePartyId", "CaseParty", in.CasePartyID)
	if err != nil {
		return nil, err
	}
	who, err := r.partyPerson(in.PersonID, in.Person)
	if err != nil {
		return nil, err
	}
	res, err := command(ctx, r, "correctCaseParty", in.IdempotencyKey, in, police.CorrectCaseParty,
		police.CasePartyCorrection{CasePartyID: id, Version: in.Version, Role: in.Role, IsMinor: in.IsMinor, PartyPerson: who})
	return r.casePartyWritten(ctx, res, err)
}

// partyPerson decodes the person a case-party input names.
func (r *mutationResolver) partyPerson(id *string, p *model.CasePartyPersonInput) (police.PartyPerson, error) {
	person, err := optPK("personId", "Person", id)
	if err != nil {
		return police.PartyPerson{}, err
	}
	who := police.PartyPerson{PersonID: person, Keys: r.Keys}
	if p != nil {
		who.Person = &street.NewPerson{IDNumber: p.IDNumber, Name: p.Name, Gender: p.Gender, BirthDate: p.BirthDate, Phone: p.Phone}
	}
	return who, nil
}

// casePartyWritten reads the case party a command wrote and its case.
func (r *mutationResolver) casePartyWritten(ctx context.Context, res police.CasePartyWritten, err error) (*model.CasePartyPayload, error) {
	if err != nil {
		return nil, err
	}
	p, err := row(ctx, r.DB, police.CaseParties, res.CaseParty)
	if err != nil {
		return nil, err
	}
	c, err := row(ctx, r.DB, police.Cases, res.Case)
	return &model.CasePartyPayload{CaseParty: p, Case: c}, err
}
