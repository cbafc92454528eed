package resolvers

// The welfare mutations (schema/welfare.graphqls): each decodes its input's IDs, runs the
// command of db/welfare in one transaction, and reads the rows it wrote afresh.

import (
	"context"

	"civiclink/db/welfare"
	"civiclink/graph/model"
)

func (r *mutationResolver) createProgram(ctx context.Context, in model.CreateProgramInput) (*model.ProgramPayload, error) {
	res, err := command(ctx, r, "createProgram", in.IdempotencyKey, in, welfare.CreateProgram, welfare.NewProgram{Name: in.Name,
		Category: in.Category, Provider: in.Provider, PeriodStart: in.PeriodStart, PeriodEnd: in.PeriodEnd})
	if err != nil {
		return nil, err
	}
	p, err := row(ctx, r.DB, welfare.Programs, res.Program)
	return &model.ProgramPayload{Program: p}, err
}

func (r *mutationResolver) applyForBenefit(ctx context.Context, in model.ApplyForBenefitInput) (*model.BenefitGrantPayload, error) {
	program, err := pk("programId", "Program", in.ProgramID)
	if err != nil {
		return nil, err
	}
	officer, err := pk("officerId", "Officer", in.OfficerID)
	if err != nil {
		return nil, err
	}
	res, err := command(ctx, r, "applyForBenefit", in.IdempotencyKey, in, welfare.ApplyForBenefit,
		welfare.Application{ProgramID: program, OfficerID: officer, Amount: in.Amount, AppliedOn: in.AppliedOn})
	return r.benefitGrantWritten(ctx, res, err)
}

func (r *mutationResolver) advanceBenefitGrant(ctx context.Context, in model.AdvanceBenefitGrantInput) (*model.BenefitGrantPayload, error) {
	id, err := pk("benefitGrantId", "BenefitGrant", in.BenefitGrantID)
	if err != nil {
		return nil, err
	}
	res, err := command(ctx, r, "advanceBenefitGrant", in.IdempotencyKey, in, welfare.AdvanceBenefitGrant,
		welfare.GrantMove{BenefitGrantID: id, Version: in.Version, To: in.To, GrantedOn: in.GrantedOn, Reason: in.Reason})
	return r.benefitGrantWritten(ctx, res, err)
}

func (r *mutationResolver) openSurvey(ctx context.Context, in model.OpenSurveyInput) (*model.SurveyPayload, error) {
	station, err := pk("stationId", "Station", in.StationID)
	if err != nil {
		return nil, err
	}
	res, err := command(ctx, r, "openSurvey", in.IdempotencyKey, in, welfare.OpenSurvey,
		welfare.NewSurvey{StationID: station, Period: in.Period, Title: in.Title})
	return r.surveyWritten(ctx, res, err)
}

func (r *mutationResolver) submitSurveyResponse(ctx context.Context, in model.SubmitSurveyResponseInput) (*model.SurveyPayload, error) {
	survey, err := pk("surveyId", "Survey", in.SurveyID)
	if err != nil {
		return nil, err
	}
	res, err := command(ctx, r, "submitSurveyResponse", in.IdempotencyKey, in, welfare.SubmitSurveyResponse, welfare.Answer{SurveyID: survey,
		RespondentKey: in.RespondentKey, Overall: in.Overall, Belonging: in.Belonging, Workload: in.Workload, Comment: in.Comment})
	return r.surveyWritten(ctx, res, err)
}

// benefitGrantWritten reads the grant a command wrote, with its program when the payload
// selects it (one read for the level, as lists do).
func (r *mutationResolver) benefitGrantWritten(ctx context.Context, res welfare.BenefitGrantWritten, err error) (*model.BenefitGrantPayload, error) {
	if err != nil {
		return nil, err
	}
	g, err := row(ctx, r.DB, welfare.BenefitGrants, res.BenefitGrant)
	if err != nil {
		return nil, err
	}
	return &model.BenefitGrantPayload{BenefitGrant: g}, prefetchField(ctx, "benefitGrant", "BenefitGrant", g)
}

// surveyWritten reads the survey round a command wrote or answered.
func (r *mutationResolver) surveyWritten(ctx context.Context, res welfare.SurveyWritten, err error) (*model.SurveyPayload, error) {
	if err != nil {
		return nil, err
	}
	s, err := row(ctx, r.DB, welfare.Surveys, res.Survey)
	return &model.SurveyPayload{Survey: s}, err
}
