// Package welfare holds the welfare schema: the street office's welfare programs for officers,
// benefit grants, and satisfaction surveys, which are only ever read as aggregates.
package welfare

import (
	"time"

	"civiclink/db/relay"
	"civiclink/db/store"
	"civiclink/internal/globalid"
)

// Connection types of the welfare domain.
type (
	ProgramConnection      = relay.Connection[*Program]
	ProgramEdge            = relay.Edge[*Program]
	BenefitGrantConnection = relay.Connection[*BenefitGrant]
	BenefitGrantEdge       = relay.Edge[*BenefitGrant]
	SurveyConnection       = relay.Connection[*Survey]
	SurveyEdge             = relay.Edge[*Survey]
)

// Program is a welfare measure offered to officers.
type Program struct {
	store.Row
	Name        string    `db:"name"`
	Category    string    `db:"category"`
	Provider    string    `db:"provider"`
	PeriodStart time.Time `db:"period_start"`
	PeriodEnd   time.Time `db:"period_end"`
}

// BenefitGrant is an officer's application for, or receipt of, a program's benefit.
type BenefitGrant struct {
	store.Row
	ProgramID int64      `db:"program_id"`
	OfficerID int64      `db:"officer_id"`
	Status    string     `db:"status"`
	Amount    *float64   `db:"amount"`
	AppliedOn time.Time  `db:"applied_on"`
	GrantedOn *time.Time `db:"granted_on"`
	// ProgramRef is filled by the level load of the grant (see Program).
	ProgramRef store.Ref[Program] `db:"-"`
}

// Program returns the program granted, read for the grant's whole level at once: GraphQL
// reads it as a plain field, without a resolver of its own.
func (g *BenefitGrant) Program() (*Program, error) { return g.ProgramRef.Get() }

// Survey is one round of a station's satisfaction survey.
type Survey struct {
	store.Row
	StationID int64  `db:"station_id"`
	Period    string `db:"period"`
	Title     string `db:"title"`
}

// SurveySummary aggregates a survey's responses. The view behind it suppresses the scores
// and the count when fewer than five people answered.
type SurveySummary struct {
	SurveyID    int64    `db:"survey_id"`
	Respondents *int     `db:"respondents"`
	Overall     *float64 `db:"overall"`
	Belonging   *float64 `db:"belonging"`
	Workload    *float64 `db:"workload"`
	Suppressed  bool     `db:"suppressed"`
}

// ID returns the global ID.
func (r *Program) ID() string { return globalid.Encode("Program", r.PK) }

// ID returns the global ID.
func (r *BenefitGrant) ID() string { return globalid.Encode("BenefitGrant", r.PK) }

// ID returns the global ID.
func (r *Survey) ID() string { return globalid.Encode("Survey", r.PK) }
