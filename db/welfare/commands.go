package welfare

// The welfare commands: each takes the mutation's transaction and a typed input (IDs already
// decoded), checks it against the rules and the records, writes, and returns the IDs of the
// rows it wrote, with errors in the API's vocabulary (see db/mediation/commands.go); a
// constraint violation is mapped by its name (violations.go).

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"civiclink/db/welfare/sqlcdb"
	"civiclink/db/workflow"
	"civiclink/internal/access"
	"civiclink/internal/auth"
	"civiclink/internal/clock"
	"civiclink/internal/validate"

	"github.com/jackc/pgx/v5"
)

// ProgramWritten names a program a command wrote.
type ProgramWritten struct {
	Program int64 `json:"program"`
}

// BenefitGrantWritten names a benefit grant a command changed.
type BenefitGrantWritten struct {
	BenefitGrant int64 `json:"benefitGrant"`
}

// SurveyWritten names a survey round a command wrote or answered.
type SurveyWritten struct {
	Survey int64 `json:"survey"`
}

// NewProgram is a welfare program for officers, offered from PeriodStart to PeriodEnd
// (dates, both included).
type NewProgram struct {
	Name, Category, Provider string
	PeriodStart, PeriodEnd   time.Time
}

// CreateProgram creates a welfare program.
func CreateProgram(ctx context.Context, tx pgx.Tx, p NewProgram) (ProgramWritten, error) {
	var v validate.V
	v.Text("name", p.Name, 1, 200)
	v.Text("provider", p.Provider, 1, 200)
	v.NotBefore("periodEnd", p.PeriodEnd, p.PeriodStart, "periodStart")
	if err := v.Err(); err != nil {
		return ProgramWritten{}, err
	}
	id, err := sqlcdb.New(tx).InsertProgram(ctx, sqlcdb.InsertProgramParams{Name: p.Name, Category: p.Category, Provider: p.Provider,
		PeriodStart: p.PeriodStart, PeriodEnd: p.PeriodEnd})
	if err != nil {
		return ProgramWritten{}, violations.Map(fmt.Errorf("insert program: %w", err))
	}
	return ProgramWritten{Program: id}, nil
}

// Application is an officer's application for a program's benefit; AppliedOn nil is the
// office's today.
type Application struct {
	ProgramID, OfficerID int64
	Amount               *float64
	AppliedOn            *time.Time
}

// ApplyForBenefit records an application (status APPLIED) on a day within the program's
// period, with its first status-log row. A police officer applies for their own benefits.
func ApplyForBenefit(ctx context.Context, tx pgx.Tx, a Application) (BenefitGrantWritten, error) {
	applied := clock.Today(ctx)
	if a.AppliedOn != nil {
		applied = *a.AppliedOn
	}
	if a.Amount != nil && (*a.Amount < 0 || *a.Amount > 1e9) {
		return BenefitGrantWritten{}, validate.Field("amount", "must be between 0 and 1,000,000,000")
	}
	if p := auth.FromContext(ctx); p.Role == auth.PoliceOfficer && (p.Scope.OfficerID == nil || *p.Scope.OfficerID != a.OfficerID) {
		return BenefitGrantWritten{}, &access.ForbiddenError{Message: "officerId: an officer applies for their own benefits"}
	}
	q := sqlcdb.New(tx)
	period, err := q.ProgramPeriod(ctx, a.ProgramID)
	if errors.Is(err, pgx.ErrNoRows) {
		return BenefitGrantWritten{}, &workflow.NotFoundError{Field: "programId", What: "program"}
	}
	if err != nil {
		return BenefitGrantWritten{}, fmt.Errorf("read program: %w", err)
	}
	if applied.Before(period.PeriodStart) || applied.After(period.PeriodEnd) {
		return BenefitGrantWritten{}, validate.Field("appliedOn", "must lie within the program's period %s to %s",
			period.PeriodStart.Format(time.DateOnly), period.PeriodEnd.Format(time.DateOnly))
	}
	if err := workflow.MustExist(ctx, tx, "police.officer", &a.OfficerID, "officerId", "officer"); err != nil {
		return BenefitGrantWritten{}, err
	}
	id, err := q.InsertBenefitGrant(ctx, sqlcdb.InsertBenefitGrantParams{ProgramID: a.ProgramID, OfficerID: a.OfficerID, Amount: a.Amount, AppliedOn: applied})
	if err != nil {
		return BenefitGrantWritten{}, violations.Map(fmt.Errorf("insert benefit grant: %w", err))
	}
	return BenefitGrantWritten{BenefitGrant: id}, workflow.BenefitGrants.Created(ctx, tx, id, workflow.Actor(ctx))
}

// GrantMove is a decision on a benefit grant.
type GrantMove struct {
	BenefitGrantID int64
	Version        int
	To             string
	// GrantedOn, only with To APPROVED, is the day it was granted (default: the office's
	// today), not before the application.
	GrantedOn *time.Time
	// Reason is required to reject a grant.
	Reason *string
}

// AdvanceBenefitGrant approves, delivers or rejects a grant.
func AdvanceBenefitGrant(ctx context.Context, tx pgx.Tx, m GrantMove) (BenefitGrantWritten, error) {
	var v validate.V
	v.OptText("reason", m.Reason, 2000)
	if err := v.Err(); err != nil {
		return BenefitGrantWritten{}, err
	}
	if err := access.InScope(ctx, tx, "benefitGrantId", "welfare.benefit_grant", access.BenefitGrants, m.BenefitGrantID); err != nil {
		return BenefitGrantWritten{}, err
	}
	granted := clock.Today(ctx)
	if m.GrantedOn != nil {
		granted = *m.GrantedOn
	}
	var sets []workflow.Set
	if m.To == "APPROVED" {
		sets = append(sets, workflow.Set{Column: "granted_on", Value: granted})
	}
	// The step is known to be legal when the check runs, and the grant locked.
	check := func() error {
		var v validate.V
		v.Check(m.To == "APPROVED" || m.GrantedOn == nil, "grantedOn", "is recorded only with to: APPROVED")
		v.Check(m.To != "REJECTED" || (m.Reason != nil && *m.Reason != ""), "reason", "is required to reject a grant")
		if err := v.Err(); err != nil || m.To != "APPROVED" {
			return err
		}
		applied, err := sqlcdb.New(tx).GrantAppliedOn(ctx, m.BenefitGrantID)
		if err != nil {
			return fmt.Errorf("read benefit grant: %w", err)
		}
		if granted.Before(applied) {
			return validate.Field("grantedOn", "must not be before the application (%s)", applied.Format(time.DateOnly))
		}
		return nil
	}
	_, err := workflow.BenefitGrants.Transition(ctx, tx, workflow.Change{ID: m.BenefitGrantID, Version: m.Version, To: m.To, Actor: workflow.Actor(ctx),
		Reason: m.Reason, Sets: sets, Validate: check})
	if err != nil {
		return BenefitGrantWritten{}, violations.Map(err)
	}
	return BenefitGrantWritten{BenefitGrant: m.BenefitGrantID}, nil
}

// periodPattern is a survey period: a year's quarter, half or month.
var periodPattern = regexp.MustCompile(`^[0-9]{4}-(Q[1-4]|H[12]|0[1-9]|1[0-2])$`)

// NewSurvey is a survey round of a station for a period (2026-Q4, 2026-H1, 2026-11).
type NewSurvey struct {
	StationID     int64
	Period, Title string
}

// OpenSurvey opens a station's survey round, one per period.
func OpenSurvey(ctx context.Context, tx pgx.Tx, s NewSurvey) (SurveyWritten, error) {
	var v validate.V
	v.Check(periodPattern.MatchString(s.Period), "period", "must look like 2026-Q4, 2026-H1 or 2026-11")
	v.Text("title", s.Title, 1, 200)
	if err := v.Err(); err != nil {
		return SurveyWritten{}, err
	}
	if err := workflow.MustExist(ctx, tx, "police.station", &s.StationID, "stationId", "station"); err != nil {
		return SurveyWritten{}, err
	}
	id, err := sqlcdb.New(tx).InsertSurvey(ctx, sqlcdb.InsertSurveyParams{StationID: s.StationID, Period: s.Period, Title: s.Title})
	if err != nil {
		return SurveyWritten{}, violations.Map(fmt.Errorf("insert survey: %w", err))
	}
	return SurveyWritten{Survey: id}, nil
}

// Answer is one officer's pseudonymous answers to a survey round, scores 1 to 5.
type Answer struct {
	SurveyID                     int64
	RespondentKey                string
	Overall, Belonging, Workload int
	Comment                      *string
}

// SubmitSurveyResponse stores one answer per respondent key and round; answers are only
// ever read as aggregates.
func SubmitSurveyResponse(ctx context.Context, tx pgx.Tx, a Answer) (SurveyWritten, error) {
	var v validate.V
	v.Text("respondentKey", a.RespondentKey, 8, 128)
	v.Range("overall", a.Overall, 1, 5)
	v.Range("belonging", a.Belonging, 1, 5)
	v.Range("workload", a.Workload, 1, 5)
	v.OptText("comment", a.Comment, 2000)
	if err := v.Err(); err != nil {
		return SurveyWritten{}, err
	}
	if err := access.InScope(ctx, tx, "surveyId", "welfare.survey", access.Surveys, a.SurveyID); err != nil {
		return SurveyWritten{}, err
	}
	if err := workflow.MustExist(ctx, tx, "welfare.survey", &a.SurveyID, "surveyId", "survey round"); err != nil {
		return SurveyWritten{}, err
	}
	err := sqlcdb.New(tx).InsertSurveyResponse(ctx, sqlcdb.InsertSurveyResponseParams{SurveyID: a.SurveyID, RespondentKey: a.RespondentKey,
		Overall: int16(a.Overall), Belonging: int16(a.Belonging), Workload: int16(a.Workload), Comment: a.Comment})
	if err != nil {
		return SurveyWritten{}, violations.Map(fmt.Errorf("insert survey response: %w", err))
	}
	return SurveyWritten{Survey: a.SurveyID}, nil
}
