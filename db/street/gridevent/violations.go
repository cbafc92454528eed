package gridevent

import (
	"errors"

	"civiclink/db/workflow"
	"civiclink/internal/validate"
)

// violations maps every constraint of the table the grid-event commands write to the error
// its violation means (see mediation's for the rule); TestViolationsNameEveryConstraint keeps
// it complete against the catalog. The disputes and cases a conversion opens are mapped by
// their own domains' commands.
var violations = workflow.Violations{
	"grid_event_grid_id_fkey":              &workflow.NotFoundError{Field: "gridId", What: "grid"},
	"grid_event_estate_id_fkey":            &workflow.NotFoundError{Field: "estateId", What: "estate"},
	"grid_event_reporter_id_fkey":          &workflow.NotFoundError{Field: "reporterId", What: "grid worker"},
	"grid_event_summary_check":             validate.Field("summary", "must have 1 to 2000 characters"),
	"grid_event_category_check":            validate.Field("category", "is not a grid event category"),
	"grid_event_urgency_check":             validate.Field("urgency", "is not an urgency"),
	"grid_event_check":                     validate.Field("dueAt", "must not be before reportedAt"),
	"grid_event_check1":                    validate.Field("to", "the event would close before it was reported"),
	"grid_event_check2":                    validate.Field("to", "the dispatch would precede the event's report"),
	"grid_event_check3":                    validate.Field("to", "the response would precede the event's report"),
	"grid_event_converted_case_id_fkey":    &workflow.NotFoundError{Field: "caseId", What: "case"},
	"grid_event_converted_dispute_id_fkey": &workflow.NotFoundError{Field: "disputeId", What: "dispute"},
	"grid_event_converted_check":           errors.New("street: a grid event is CONVERTED if and only if it names one case or dispute"),
	"grid_event_event_no_key":              errors.New("street: the grid event number drawn is taken (hub.counter behind the records)"),
	"grid_event_event_no_check":            errors.New("street: the grid event number drawn is malformed"),
	"grid_event_status_check":              errors.New("street: unknown grid event status"),
	"grid_event_version_check":             errors.New("street: grid event version out of range"),
	"grid_event_grid_version_id_fkey":      errors.New("street: the grid event's grid version is missing"),
}

// WrittenTables are the tables the grid-event commands write, whose constraints violations
// must name.
var WrittenTables = []string{"street.grid_event"}
