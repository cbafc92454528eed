package resolvers

import (
	"context"

	"civiclink/db/risk"
	"civiclink/db/store"
	"civiclink/db/welfare"
	"civiclink/db/workflow"
	"civiclink/graph/model"
)

// Payload builders: each reads the rows a command's result names.

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
