package resolvers

// The mediation mutations (schema/mediation.graphqls): each decodes its input's IDs, runs the
// command of db/mediation in one transaction, and reads the rows it wrote afresh.

import (
	"context"
	"fmt"

	"civiclink/db/mediation"
	"civiclink/db/risk"
	"civiclink/db/store"
	"civiclink/graph/model"
)

func (r *mutationResolver) registerDispute(ctx context.Context, in model.RegisterDisputeInput) (*model.DisputePayload, error) {
	committee, err := pk("committeeId", "Committee", in.CommitteeID)
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
	parties := make([]mediation.Party, len(in.Parties))
	for i, p := range in.Parties {
		person, err := pk(fmt.Sprintf("parties[%d].personId", i), "Person", p.PersonID)
		if err != nil {
			return nil, err
		}
		parties[i] = mediation.Party{PersonID: person, Side: p.Side}
	}
	res, err := command(ctx, r, "registerDispute", in.IdempotencyKey, in, mediation.RegisterDispute, mediation.Registration{
		CommitteeID: committee, Source: in.Source, Category: in.Category, Difficulty: in.Difficulty, Summary: in.Summary,
		GridID: grid, EstateID: estate, Amount: in.Amount, Parties: parties})
	return disputeWritten(ctx, r.DB, res, err)
}

func (r *mutationResolver) advanceDispute(ctx context.Context, in model.AdvanceDisputeInput) (*model.DisputePayload, error) {
	dispute, err := pk("disputeId", "Dispute", in.DisputeID)
	if err != nil {
		return nil, err
	}
	m := mediation.DisputeMove{DisputeID: dispute, Version: in.Version, To: in.To, Reason: in.Reason, Outcome: in.Outcome, Escalate: risk.Escalate}
	if e := in.Escalation; e != nil {
		m.Escalation = &mediation.Escalation{Dimension: e.Dimension, Description: e.Description, Likelihood: e.Likelihood, Impact: e.Impact}
	}
	res, err := command(ctx, r, "advanceDispute", in.IdempotencyKey, in, mediation.AdvanceDispute, m)
	return disputeWritten(ctx, r.DB, res, err)
}

func (r *mutationResolver) assignMediator(ctx context.Context, in model.AssignMediatorInput) (*model.DisputePayload, error) {
	dispute, err := pk("disputeId", "Dispute", in.DisputeID)
	if err != nil {
		return nil, err
	}
	mediator, err := pk("mediatorId", "Mediator", in.MediatorID)
	if err != nil {
		return nil, err
	}
	res, err := command(ctx, r, "assignMediator", in.IdempotencyKey, in, mediation.AssignMediator,
		mediation.Assignment{DisputeID: dispute, MediatorID: mediator, Role: in.Role})
	return disputeWritten(ctx, r.DB, res, err)
}

func (r *mutationResolver) recordMediationSession(ctx context.Context, in model.RecordMediationSessionInput) (*model.MediationSessionPayload, error) {
	dispute, err := pk("disputeId", "Dispute", in.DisputeID)
	if err != nil {
		return nil, err
	}
	res, err := command(ctx, r, "recordMediationSession", in.IdempotencyKey, in, mediation.RecordSession,
		mediation.Sitting{DisputeID: dispute, HeldAt: in.HeldAt, Place: in.Place, Approaches: in.Approaches, Record: in.Record})
	if err != nil {
		return nil, err
	}
	s, err := row(ctx, r.DB, mediation.Sessions, res.Session)
	if err != nil {
		return nil, err
	}
	d, err := row(ctx, r.DB, mediation.Disputes, res.Dispute)
	return &model.MediationSessionPayload{Session: s, Dispute: d}, err
}

func (r *mutationResolver) recordAgreement(ctx context.Context, in model.RecordAgreementInput) (*model.AgreementPayload, error) {
	dispute, err := pk("disputeId", "Dispute", in.DisputeID)
	if err != nil {
		return nil, err
	}
	res, err := command(ctx, r, "recordAgreement", in.IdempotencyKey, in, mediation.RecordAgreement, mediation.Terms{DisputeID: dispute,
		Version: in.Version, Form: in.Form, Terms: in.Terms, SignedAt: in.SignedAt, PerformanceDeadline: in.PerformanceDeadline})
	return agreementWritten(ctx, r.DB, res, err)
}

func (r *mutationResolver) recordFollowUp(ctx context.Context, in model.RecordFollowUpInput) (*model.FollowUpPayload, error) {
	agreement, err := pk("agreementId", "Agreement", in.AgreementID)
	if err != nil {
		return nil, err
	}
	res, err := command(ctx, r, "recordFollowUp", in.IdempotencyKey, in, mediation.RecordFollowUp, mediation.Visit{AgreementID: agreement,
		VisitedAt: in.VisitedAt, Visitor: in.Visitor, Performance: in.Performance, Satisfaction: in.Satisfaction, NewRisk: in.NewRisk})
	if err != nil {
		return nil, err
	}
	f, err := row(ctx, r.DB, mediation.FollowUps, res.FollowUp)
	if err != nil {
		return nil, err
	}
	a, err := row(ctx, r.DB, mediation.Agreements, res.Agreement)
	return &model.FollowUpPayload{FollowUp: f, Agreement: a}, err
}

func (r *mutationResolver) applyForJudicialConfirmation(ctx context.Context, in model.ApplyForJudicialConfirmationInput) (*model.AgreementPayload, error) {
	agreement, err := pk("agreementId", "Agreement", in.AgreementID)
	if err != nil {
		return nil, err
	}
	res, err := command(ctx, r, "applyForJudicialConfirmation", in.IdempotencyKey, in, mediation.ApplyForJudicialConfirmation,
		mediation.ConfirmationRequest{AgreementID: agreement, Version: in.Version})
	return agreementWritten(ctx, r.DB, res, err)
}

// disputeWritten reads the dispute a command wrote, and the risk item its escalation opened.
func disputeWritten(ctx context.Context, db store.Querier, res mediation.DisputeWritten, err error) (*model.DisputePayload, error) {
	if err != nil {
		return nil, err
	}
	d, err := row(ctx, db, mediation.Disputes, res.Dispute)
	if err != nil || res.RiskItem == nil {
		return &model.DisputePayload{Dispute: d}, err
	}
	item, err := row(ctx, db, risk.RiskItems, *res.RiskItem)
	return &model.DisputePayload{Dispute: d, RiskItem: item}, err
}

// agreementWritten reads the agreement a command wrote and its dispute.
func agreementWritten(ctx context.Context, db store.Querier, res mediation.AgreementWritten, err error) (*model.AgreementPayload, error) {
	if err != nil {
		return nil, err
	}
	a, err := row(ctx, db, mediation.Agreements, res.Agreement)
	if err != nil {
		return nil, err
	}
	d, err := row(ctx, db, mediation.Disputes, res.Dispute)
	return &model.AgreementPayload{Agreement: a, Dispute: d}, err
}
