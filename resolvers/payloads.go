package resolvers

import (
	"context"

	"civiclink/db/mediation"
	"civiclink/db/police"
	"civiclink/db/risk"
	"civiclink/db/store"
	"civiclink/db/street"
	"civiclink/db/welfare"
	"civiclink/db/workflow"
	"civiclink/graph/model"
)

// Payload builders: each reads the rows a command's result names.

func gridEventPayload(ctx context.Context, db store.Querier, res workflow.Result) (*model.GridEventPayload, error) {
	e, err := need(ctx, db, street.GridEvents, res, "gridEvent")
	return &model.GridEventPayload{GridEvent: e}, err
}

func convertPayload(ctx context.Context, db store.Querier, res workflow.Result) (*model.ConvertGridEventPayload, error) {
	e, err := need(ctx, db, street.GridEvents, res, "gridEvent")
	if err != nil {
		return nil, err
	}
	d, err := optRow(ctx, db, mediation.Disputes, res, "dispute")
	if err != nil {
		return nil, err
	}
	c, err := optRow(ctx, db, police.Cases, res, "case")
	return &model.ConvertGridEventPayload{GridEvent: e, Dispute: d, Case: c}, err
}

func assessmentPayload(ctx context.Context, db store.Querier, res workflow.Result) (*model.AssessmentPayload, error) {
	a, err := need(ctx, db, risk.Assessments, res, "assessment")
	return &model.AssessmentPayload{Assessment: a}, err
}

func riskItemPayload(ctx context.Context, db store.Querier, res workflow.Result) (*model.RiskItemPayload, error) {
	i, err := need(ctx, db, risk.RiskItems, res, "riskItem")
	return &model.RiskItemPayload{RiskItem: i}, err
}

func measurePayload(ctx context.Context, db store.Querier, res workflow.Result) (*model.MeasurePayload, error) {
	m, err := need(ctx, db, risk.Measures, res, "measure")
	if err != nil {
		return nil, err
	}
	i, err := need(ctx, db, risk.RiskItems, res, "riskItem")
	return &model.MeasurePayload{Measure: m, RiskItem: i}, err
}

func programPayload(ctx context.Context, db store.Querier, res workflow.Result) (*model.ProgramPayload, error) {
	p, err := need(ctx, db, welfare.Programs, res, "program")
	return &model.ProgramPayload{Program: p}, err
}

func benefitGrantPayload(ctx context.Context, db store.Querier, res workflow.Result) (*model.BenefitGrantPayload, error) {
	g, err := need(ctx, db, welfare.BenefitGrants, res, "benefitGrant")
	if err != nil {
		return nil, err
	}
	return &model.BenefitGrantPayload{BenefitGrant: g}, prefetchField(ctx, "benefitGrant", "BenefitGrant", g)
}

func surveyPayload(ctx context.Context, db store.Querier, res workflow.Result) (*model.SurveyPayload, error) {
	s, err := need(ctx, db, welfare.Surveys, res, "survey")
	return &model.SurveyPayload{Survey: s}, err
}
