package resolvers

// The risk mutations (schema/risk.graphqls): each decodes its input's IDs, runs the command
// of db/risk in one transaction, and reads the rows it wrote afresh.

import (
	"context"

	"civiclink/db/risk"
	"civiclink/graph/model"
	"civiclink/internal/globalid"
	"civiclink/internal/validate"
)

func (r *mutationResolver) openAssessment(ctx context.Context, in model.OpenAssessmentInput) (*model.AssessmentPayload, error) {
	grid, err := optPK("gridId", "Grid", in.GridID)
	if err != nil {
		return nil, err
	}
	res, err := command(ctx, r, "openAssessment", in.IdempotencyKey, in, risk.OpenAssessment, risk.NewAssessment{Title: in.Title,
		SubjectType: in.SubjectType, ResponsibleUnit: in.ResponsibleUnit, GridID: grid})
	return r.assessmentWritten(ctx, res, err)
}

func (r *mutationResolver) advanceAssessment(ctx context.Context, in model.AdvanceAssessmentInput) (*model.AssessmentPayload, error) {
	id, err := pk("assessmentId", "Assessment", in.AssessmentID)
	if err != nil {
		return nil, err
	}
	res, err := command(ctx, r, "advanceAssessment", in.IdempotencyKey, in, risk.AdvanceAssessment, risk.AssessmentMove{AssessmentID: id,
		Version: in.Version, To: in.To, Level: in.Level, Decision: in.Decision, Reason: in.Reason})
	return r.assessmentWritten(ctx, res, err)
}

func (r *mutationResolver) addRiskItem(ctx context.Context, in model.AddRiskItemInput) (*model.RiskItemPayload, error) {
	grid, err := pk("gridId", "Grid", in.GridID)
	if err != nil {
		return nil, err
	}
	assessment, err := optPK("assessmentId", "Assessment", in.AssessmentID)
	if err != nil {
		return nil, err
	}
	estate, err := optPK("estateId", "Estate", in.EstateID)
	if err != nil {
		return nil, err
	}
	res, err := command(ctx, r, "addRiskItem", in.IdempotencyKey, in, risk.AddRiskItem, risk.NewRiskItem{GridID: grid, AssessmentID: assessment,
		EstateID: estate, Dimension: in.Dimension, Description: in.Description, Likelihood: in.Likelihood, Impact: in.Impact})
	return r.riskItemWritten(ctx, res, err)
}

func (r *mutationResolver) rateRiskItem(ctx context.Context, in model.RateRiskItemInput) (*model.RiskItemPayload, error) {
	id, err := pk("riskItemId", "RiskItem", in.RiskItemID)
	if err != nil {
		return nil, err
	}
	res, err := command(ctx, r, "rateRiskItem", in.IdempotencyKey, in, risk.RateRiskItem,
		risk.Rating{RiskItemID: id, Version: in.Version, Likelihood: in.Likelihood, Impact: in.Impact})
	return r.riskItemWritten(ctx, res, err)
}

func (r *mutationResolver) advanceRiskItem(ctx context.Context, in model.AdvanceRiskItemInput) (*model.RiskItemPayload, error) {
	id, err := pk("riskItemId", "RiskItem", in.RiskItemID)
	if err != nil {
		return nil, err
	}
	res, err := command(ctx, r, "advanceRiskItem", in.IdempotencyKey, in, risk.AdvanceRiskItem,
		risk.RiskItemMove{RiskItemID: id, Version: in.Version, To: in.To, Reason: in.Reason})
	return r.riskItemWritten(ctx, res, err)
}

func (r *mutationResolver) linkRiskItem(ctx context.Context, in model.LinkRiskItemInput) (*model.RiskItemPayload, error) {
	item, err := pk("riskItemId", "RiskItem", in.RiskItemID)
	if err != nil {
		return nil, err
	}
	typ, target, err := globalid.Decode(in.TargetID)
	if err != nil {
		return nil, validate.Field("targetId", "%v", err)
	}
	res, err := command(ctx, r, "linkRiskItem", in.IdempotencyKey, in, risk.LinkRiskItem,
		risk.LinkRequest{RiskItemID: item, TargetType: typ, TargetID: target})
	return r.riskItemWritten(ctx, res, err)
}

func (r *mutationResolver) addMeasure(ctx context.Context, in model.AddMeasureInput) (*model.MeasurePayload, error) {
	item, err := pk("riskItemId", "RiskItem", in.RiskItemID)
	if err != nil {
		return nil, err
	}
	res, err := command(ctx, r, "addMeasure", in.IdempotencyKey, in, risk.AddMeasure,
		risk.NewMeasure{RiskItemID: item, Action: in.Action, OwnerUnit: in.OwnerUnit, DueOn: in.DueOn})
	return r.measureWritten(ctx, res, err)
}

func (r *mutationResolver) advanceMeasure(ctx context.Context, in model.AdvanceMeasureInput) (*model.MeasurePayload, error) {
	id, err := pk("measureId", "Measure", in.MeasureID)
	if err != nil {
		return nil, err
	}
	res, err := command(ctx, r, "advanceMeasure", in.IdempotencyKey, in, risk.AdvanceMeasure,
		risk.MeasureMove{MeasureID: id, Version: in.Version, To: in.To, DoneOn: in.DoneOn})
	return r.measureWritten(ctx, res, err)
}

// assessmentWritten reads the assessment a command wrote.
func (r *mutationResolver) assessmentWritten(ctx context.Context, res risk.AssessmentWritten, err error) (*model.AssessmentPayload, error) {
	if err != nil {
		return nil, err
	}
	a, err := row(ctx, r.DB, risk.Assessments, res.Assessment)
	return &model.AssessmentPayload{Assessment: a}, err
}

// riskItemWritten reads the risk item a command wrote.
func (r *mutationResolver) riskItemWritten(ctx context.Context, res risk.RiskItemWritten, err error) (*model.RiskItemPayload, error) {
	if err != nil {
		return nil, err
	}
	i, err := row(ctx, r.DB, risk.RiskItems, res.RiskItem)
	return &model.RiskItemPayload{RiskItem: i}, err
}

// measureWritten reads the measure a command wrote and its risk item.
func (r *mutationResolver) measureWritten(ctx context.Context, res risk.MeasureWritten, err error) (*model.MeasurePayload, error) {
	if err != nil {
		return nil, err
	}
	m, err := row(ctx, r.DB, risk.Measures, res.Measure)
	if err != nil {
		return nil, err
	}
	i, err := row(ctx, r.DB, risk.RiskItems, res.RiskItem)
	return &model.MeasurePayload{Measure: m, RiskItem: i}, err
}
