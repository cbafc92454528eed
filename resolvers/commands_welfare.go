package resolvers

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"civiclink/db/workflow"
	"civiclink/graph/model"
	"civiclink/internal/access"
	"civiclink/internal/auth"
	"civiclink/internal/clock"
	"civiclink/internal/validate"

	"github.com/jackc/pgx/v5"
)

// createProgram creates a welfare program.
func (r *mutationResolver) createProgram(ctx context.Context, in model.CreateProgramInput) (workflow.Result, error) {
	var v validate.V
	v.Text("name", in.Name, 1, 200)
	v.Text("provider", in.Provider, 1, 200)
	v.NotBefore("periodEnd", in.PeriodEnd, in.PeriodStart, "periodStart")
	if err := v.Err(); err != nil {
		return nil, err
	}
	return r.run(ctx, "createProgram", in.IdempotencyKey, in, func(ctx context.Context, tx pgx.Tx) (workflow.Result, error) {
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO welfare.program (name, category, provider, period_start, period_end)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, in.Name, in.Category, in.Provider, in.PeriodStart, in.PeriodEnd).Scan(&id)
		if err != nil {
			return nil, fmt.Errorf("insert program: %w", err)
		}
		return workflow.Result{"program": id}, nil
	})
}

// applyForBenefit records an officer's application under a program (status APPLIED).
func (r *mutationResolver) applyForBenefit(ctx context.Context, in model.ApplyForBenefitInput) (workflow.Result, error) {
	program, err := pk("programId", "Program", in.ProgramID)
	if err != nil {
		return nil, err
	}
	officer, err := pk("officerId", "Officer", in.OfficerID)
	if err != nil {
		return nil, err
	}
	applied := clock.Today(ctx)
	if in.AppliedOn != nil {
		applied = *in.AppliedOn
	}
	if in.Amount != nil && (*in.Amount < 0 || *in.Amount > 1e9) {
		return nil, validate.Field("amount", "must be between 0 and 1,000,000,000")
	}
	return r.run(ctx, "applyForBenefit", in.IdempotencyKey, in, func(ctx context.Context, tx pgx.Tx) (workflow.Result, error) {
		if p := auth.FromContext(ctx); p.Role == auth.PoliceOfficer && (p.Scope.OfficerID == nil || *p.Scope.OfficerID != officer) {
			return nil, &access.ForbiddenError{Message: "officerId: an officer applies for their own benefits"}
		}
		var start, end time.Time
		err := tx.QueryRow(ctx, "SELECT period_start, period_end FROM welfare.program WHERE id = $1", program).Scan(&start, &end)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, &workflow.NotFoundError{Field: "programId", What: "program"}
		}
		if err != nil {
			return nil, fmt.Errorf("read program: %w", err)
		}
		if applied.Before(start) || applied.After(end) {
			return nil, validate.Field("appliedOn", "must lie within the program's period %s to %s", start.Format(time.DateOnly), end.Format(time.DateOnly))
		}
		if err := workflow.MustExist(ctx, tx, "police.officer", &officer, "officerId", "officer"); err != nil {
			return nil, err
		}
		var id int64
		err = tx.QueryRow(ctx, `INSERT INTO welfare.benefit_grant (program_id, officer_id, status, amount, applied_on)
			VALUES ($1, $2, 'APPLIED', $3, $4) RETURNING id`, program, officer, in.Amount, applied).Scan(&id)
		if err != nil {
			return nil, fmt.Errorf("insert benefit grant: %w", err)
		}
		return workflow.Result{"benefitGrant": id}, workflow.BenefitGrants.Created(ctx, tx, id, workflow.Actor(ctx))
	})
}

// advanceBenefitGrant approves, delivers or rejects a grant.
func (r *mutationResolver) advanceBenefitGrant(ctx context.Context, in model.AdvanceBenefitGrantInput) (workflow.Result, error) {
	var sets []workflow.Set
	if in.To == "APPROVED" {
		granted := clock.Today(ctx)
		if in.GrantedOn != nil {
			granted = *in.GrantedOn
		}
		sets = append(sets, workflow.Set{Column: "granted_on", Value: granted})
	}
	validateTarget := func() error {
		var v validate.V
		v.Check(in.To == "APPROVED" || in.GrantedOn == nil, "grantedOn", "is recorded only with to: APPROVED")
		v.Check(in.To != "REJECTED" || (in.Reason != nil && *in.Reason != ""), "reason", "is required to reject a grant")
		return v.Err()
	}
	return r.advance(ctx, advance{op: "advanceBenefitGrant", lc: workflow.BenefitGrants, rule: access.BenefitGrants, typ: "BenefitGrant", field: "benefitGrantId",
		id: in.BenefitGrantID, version: in.Version, to: in.To, reason: in.Reason, key: in.IdempotencyKey, input: in, sets: sets,
		validate: validateTarget,
		after: func(ctx context.Context, tx pgx.Tx, id int64, _ string) (workflow.Result, error) {
			if in.To != "APPROVED" {
				return nil, nil
			}
			var ok bool
			if err := tx.QueryRow(ctx, "SELECT granted_on >= applied_on FROM welfare.benefit_grant WHERE id = $1", id).Scan(&ok); err != nil {
				return nil, fmt.Errorf("check grant dates: %w", err)
			}
			if !ok {
				return nil, validate.Field("grantedOn", "must not be before the application")
			}
			return nil, nil
		}})
}

var periodPattern = regexp.MustCompile(`^[0-9]{4}-(Q[1-4]|H[12]|0[1-9]|1[0-2])$`)

// openSurvey opens a survey round for a station.
func (r *mutationResolver) openSurvey(ctx context.Context, in model.OpenSurveyInput) (workflow.Result, error) {
	station, err := pk("stationId", "Station", in.StationID)
	if err != nil {
		return nil, err
	}
	var v validate.V
	v.Check(periodPattern.MatchString(in.Period), "period", "must look like 2026-Q4, 2026-H1 or 2026-11")
	v.Text("title", in.Title, 1, 200)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return r.run(ctx, "openSurvey", in.IdempotencyKey, in, func(ctx context.Context, tx pgx.Tx) (workflow.Result, error) {
		if err := workflow.MustExist(ctx, tx, "police.station", &station, "stationId", "station"); err != nil {
			return nil, err
		}
		var id int64
		err := tx.QueryRow(ctx, "INSERT INTO welfare.survey (station_id, period, title) VALUES ($1, $2, $3) RETURNING id", station, in.Period, in.Title).Scan(&id)
		if err != nil {
			return nil, constraintError(fmt.Errorf("insert survey: %w", err), "period", "the station already has a round for this period")
		}
		return workflow.Result{"survey": id}, nil
	})
}

// submitSurveyResponse stores one pseudonymous answer to a round.
func (r *mutationResolver) submitSurveyResponse(ctx context.Context, in model.SubmitSurveyResponseInput) (workflow.Result, error) {
	survey, err := pk("surveyId", "Survey", in.SurveyID)
	if err != nil {
		return nil, err
	}
	var v validate.V
	v.Text("respondentKey", in.RespondentKey, 8, 128)
	v.Range("overall", in.Overall, 1, 5)
	v.Range("belonging", in.Belonging, 1, 5)
	v.Range("workload", in.Workload, 1, 5)
	v.OptText("comment", in.Comment, 2000)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return r.run(ctx, "submitSurveyResponse", in.IdempotencyKey, in, func(ctx context.Context, tx pgx.Tx) (workflow.Result, error) {
		if err := inScope(ctx, tx, "surveyId", "welfare.survey", access.Surveys, &survey); err != nil {
			return nil, err
		}
		if err := workflow.MustExist(ctx, tx, "welfare.survey", &survey, "surveyId", "survey round"); err != nil {
			return nil, err
		}
		_, err := tx.Exec(ctx, `INSERT INTO welfare.survey_response (survey_id, respondent_key, overall, belonging, workload, comment)
			VALUES ($1, $2, $3, $4, $5, $6)`, survey, in.RespondentKey, in.Overall, in.Belonging, in.Workload, in.Comment)
		if err != nil {
			return nil, constraintError(fmt.Errorf("insert survey response: %w", err), "respondentKey", "has already answered this round")
		}
		return workflow.Result{"survey": survey}, nil
	})
}
