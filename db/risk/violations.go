package risk

import (
	"errors"

	"civiclink/db/workflow"
	"civiclink/internal/validate"
)

// violations maps every constraint of the tables the risk commands write to the error its
// violation means (see mediation's for the rule); TestViolationsNameEveryConstraint keeps it
// complete against the catalog.
var violations = workflow.Violations{
	// risk.assessment
	"assessment_grid_id_fkey":           &workflow.NotFoundError{Field: "gridId", What: "grid"},
	"assessment_title_check":            validate.Field("title", "must have 1 to 300 characters"),
	"assessment_responsible_unit_check": validate.Field("responsibleUnit", "must have 1 to 200 characters"),
	"assessment_subject_type_check":     validate.Field("subjectType", "is not an assessment subject"),
	"assessment_level_check":            validate.Field("level", "is not a risk level"),
	"assessment_decision_check":         validate.Field("decision", "is not an assessment decision"),
	"assessment_check":                  validate.Field("to", "the decision would precede the assessment's opening"),
	"assessment_check1":                 errors.New("risk: an assessment's decision without its time, or the time without it"),
	"assessment_status_check":           errors.New("risk: unknown assessment status"),
	"assessment_version_check":          errors.New("risk: assessment version out of range"),

	// risk.risk_item
	"risk_item_grid_id_fkey":         &workflow.NotFoundError{Field: "gridId", What: "grid"},
	"risk_item_estate_id_fkey":       &workflow.NotFoundError{Field: "estateId", What: "estate"},
	"risk_item_assessment_id_fkey":   &workflow.NotFoundError{Field: "assessmentId", What: "assessment"},
	"risk_item_dimension_check":      validate.Field("dimension", "is not a risk dimension"),
	"risk_item_description_check":    validate.Field("description", "must have 1 to 2000 characters"),
	"risk_item_likelihood_check":     validate.Field("likelihood", "must be between 1 and 5"),
	"risk_item_impact_check":         validate.Field("impact", "must be between 1 and 5"),
	"risk_item_status_check":         errors.New("risk: unknown risk item status"),
	"risk_item_version_check":        errors.New("risk: risk item version out of range"),
	"risk_item_grid_version_id_fkey": errors.New("risk: the risk item's grid version is missing"),

	// risk.measure
	"measure_risk_item_id_fkey": &workflow.NotFoundError{Field: "riskItemId", What: "risk item"},
	"measure_action_check":      validate.Field("action", "must have 1 to 2000 characters"),
	"measure_owner_unit_check":  validate.Field("ownerUnit", "must have 1 to 200 characters"),
	"measure_check":             errors.New("risk: a measure DONE without its day, or a day without DONE"),
	"measure_status_check":      errors.New("risk: unknown measure status"),
	"measure_version_check":     errors.New("risk: measure version out of range"),

	// risk.risk_link
	"risk_link_unique_idx":         validate.Field("targetId", "is already linked to the risk item"),
	"risk_link_risk_item_id_fkey":  &workflow.NotFoundError{Field: "riskItemId", What: "risk item"},
	"risk_link_case_id_fkey":       &workflow.NotFoundError{Field: "targetId", What: "Case"},
	"risk_link_dispute_id_fkey":    &workflow.NotFoundError{Field: "targetId", What: "Dispute"},
	"risk_link_grid_event_id_fkey": &workflow.NotFoundError{Field: "targetId", What: "GridEvent"},
	"risk_link_check":              errors.New("risk: a risk link names no target, or more than one"),
}

// WrittenTables are the tables the risk commands write, whose constraints violations must
// name.
var WrittenTables = []string{"risk.assessment", "risk.risk_item", "risk.measure", "risk.risk_link"}
