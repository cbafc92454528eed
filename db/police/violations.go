package police

import (
	"errors"

	"civiclink/db/workflow"
	"civiclink/internal/validate"
)

// violations maps every constraint of the tables the police commands write to the error its
// violation means (see mediation's for the rule); TestViolationsNameEveryConstraint keeps it
// complete against the catalog.
var violations = workflow.Violations{
	// police."case"
	"case_station_id_fkey":      &workflow.NotFoundError{Field: "stationId", What: "station"},
	"case_grid_id_fkey":         &workflow.NotFoundError{Field: "gridId", What: "grid"},
	"case_estate_id_fkey":       &workflow.NotFoundError{Field: "estateId", What: "estate"},
	"case_lead_officer_id_fkey": &workflow.NotFoundError{Field: "leadOfficerId", What: "officer"},
	"case_summary_check":        validate.Field("summary", "must have 1 to 2000 characters"),
	"case_address_check":        validate.Field("address", "must have at most 300 characters"),
	"case_disposition_check":    validate.Field("disposition", "must have at most 2000 characters"),
	"case_kind_check":           validate.Field("kind", "is not a case kind"),
	"case_category_check":       validate.Field("category", "is not a case category"),
	"case_source_check":         validate.Field("source", "is not a case source"),
	"case_check1":               validate.Field("receivedAt", "must not be before occurredAt"),
	"case_check2":               validate.Field("to", "the dispatch would precede the case's receipt"),
	"case_check3":               validate.Field("to", "the arrival on the scene would precede the case's receipt"),
	"case_check":                validate.Field("to", "the case would close before it was received"),
	"case_case_no_key":          errors.New("police: the case number drawn is taken (hub.counter behind the records)"),
	"case_case_no_check":        errors.New("police: the case number drawn is malformed"),
	"case_status_check":         errors.New("police: unknown case status"),
	"case_version_check":        errors.New("police: case version out of range"),
	"case_grid_version_id_fkey": errors.New("police: the case's grid version is missing"),

	// police.case_party
	"case_party_case_id_person_id_role_key": validate.Field("role", "the person already has this role in the case"),
	"case_party_case_id_fkey":               &workflow.NotFoundError{Field: "caseId", What: "case"},
	"case_party_person_id_fkey":             &workflow.NotFoundError{Field: "personId", What: "person"},
	"case_party_role_check":                 validate.Field("role", "is not a case party's role"),
	"case_party_version_check":              errors.New("police: case party version out of range"),
}

// WrittenTables are the tables the police commands write, whose constraints violations must
// name.
var WrittenTables = []string{`police."case"`, "police.case_party"}
