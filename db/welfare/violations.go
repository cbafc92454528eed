package welfare

import (
	"errors"

	"civiclink/db/workflow"
	"civiclink/internal/validate"
)

// violations maps every constraint of the tables the welfare commands write to the error its
// violation means (see mediation's for the rule); TestViolationsNameEveryConstraint keeps it
// complete against the catalog.
var violations = workflow.Violations{
	// welfare.program
	"program_name_check":     validate.Field("name", "must have 1 to 200 characters"),
	"program_provider_check": validate.Field("provider", "must have 1 to 200 characters"),
	"program_category_check": validate.Field("category", "is not a program category"),
	"program_check":          validate.Field("periodEnd", "must not be before periodStart"),
	"program_version_check":  errors.New("welfare: program version out of range"),

	// welfare.benefit_grant
	"benefit_grant_program_id_fkey": &workflow.NotFoundError{Field: "programId", What: "program"},
	"benefit_grant_officer_id_fkey": &workflow.NotFoundError{Field: "officerId", What: "officer"},
	"benefit_grant_amount_check":    validate.Field("amount", "must not be negative"),
	"benefit_grant_check":           validate.Field("grantedOn", "must not be before the application"),
	"benefit_grant_check1":          errors.New("welfare: a grant APPROVED or DELIVERED without its day, or a day without either"),
	"benefit_grant_status_check":    errors.New("welfare: unknown benefit grant status"),
	"benefit_grant_version_check":   errors.New("welfare: benefit grant version out of range"),

	// welfare.survey
	"survey_station_id_period_key": validate.Field("period", "the station already has a round for this period"),
	"survey_station_id_fkey":       &workflow.NotFoundError{Field: "stationId", What: "station"},
	"survey_period_check":          validate.Field("period", "must look like 2026-Q4, 2026-H1 or 2026-11"),
	"survey_title_check":           validate.Field("title", "must have 1 to 200 characters"),
	"survey_version_check":         errors.New("welfare: survey version out of range"),

	// welfare.survey_response
	"survey_response_survey_id_respondent_key_key": validate.Field("respondentKey", "has already answered this round"),
	"survey_response_survey_id_fkey":               &workflow.NotFoundError{Field: "surveyId", What: "survey round"},
	"survey_response_respondent_key_check":         validate.Field("respondentKey", "must have 8 to 128 characters"),
	"survey_response_overall_check":                validate.Field("overall", "must be between 1 and 5"),
	"survey_response_belonging_check":              validate.Field("belonging", "must be between 1 and 5"),
	"survey_response_workload_check":               validate.Field("workload", "must be between 1 and 5"),
	"survey_response_comment_check":                validate.Field("comment", "must have at most 2000 characters"),
}

// WrittenTables are the tables the welfare commands write, whose constraints violations must
// name.
var WrittenTables = []string{"welfare.program", "welfare.benefit_grant", "welfare.survey", "welfare.survey_response"}
