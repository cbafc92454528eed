package mediation

import (
	"errors"

	"civiclink/db/workflow"
	"civiclink/internal/validate"
)

// violations maps every constraint of the tables the mediation commands write to the error
// its violation means: the client's, naming the input field, where an input can break it; an
// internal error where only a bug can (numbers, versions, statuses are the hub's own).
// TestViolationsNameEveryConstraint keeps it complete against the catalog.
var violations = workflow.Violations{
	// mediation.dispute
	"dispute_referred_case_idx":     validate.Field("caseId", "has already been referred to mediation"),
	"dispute_referred_case_id_fkey": &workflow.NotFoundError{Field: "caseId", What: "case"},
	"dispute_committee_id_fkey":     &workflow.NotFoundError{Field: "committeeId", What: "committee"},
	"dispute_grid_id_fkey":          &workflow.NotFoundError{Field: "gridId", What: "grid"},
	"dispute_estate_id_fkey":        &workflow.NotFoundError{Field: "estateId", What: "estate"},
	"dispute_grid_event_id_fkey":    &workflow.NotFoundError{Field: "gridEventId", What: "grid event"},
	"dispute_amount_check":          validate.Field("amount", "must not be negative"),
	"dispute_summary_check":         validate.Field("summary", "must have 1 to 2000 characters"),
	"dispute_outcome_check":         validate.Field("outcome", "must have at most 2000 characters"),
	"dispute_category_check":        validate.Field("category", "is not a dispute category"),
	"dispute_difficulty_check":      validate.Field("difficulty", "is not a dispute difficulty"),
	"dispute_source_check":          validate.Field("source", "is not a dispute source"),
	"dispute_check1":                validate.Field("source", "a POLICE_REFERRAL, and only it, names the referred case"),
	"dispute_check2":                validate.Field("gridEventId", "a GRID_REPORT dispute names its grid event"),
	"dispute_check3":                validate.Field("to", "the first contact would precede the dispute's receipt"),
	"dispute_check":                 errors.New("mediation: a dispute would close before it was received"),
	"dispute_dispute_no_key":        errors.New("mediation: the dispute number drawn is taken (hub.counter behind the records)"),
	"dispute_dispute_no_check":      errors.New("mediation: the dispute number drawn is malformed"),
	"dispute_status_check":          errors.New("mediation: unknown dispute status"),
	"dispute_version_check":         errors.New("mediation: dispute version out of range"),
	"dispute_grid_version_id_fkey":  errors.New("mediation: the dispute's grid version is missing"),
	// referred_station_id is the referred case's station, set by a trigger (00210).
	"dispute_referred_station_id_fkey": errors.New("mediation: the referred case's station is missing"),

	// mediation.dispute_party
	"dispute_party_dispute_id_person_id_key": validate.Field("parties", "names a person twice"),
	"dispute_party_person_id_fkey":           &workflow.NotFoundError{Field: "parties", What: "person"},
	"dispute_party_side_check":               validate.Field("parties", "has a side that is not APPLICANT, RESPONDENT or THIRD_PARTY"),
	"dispute_party_dispute_id_fkey":          errors.New("mediation: a party of a missing dispute"),
	"dispute_party_version_check":            errors.New("mediation: dispute party version out of range"),

	// mediation.dispute_mediator
	"dispute_mediator_dispute_id_mediator_id_key": validate.Field("mediatorId", "is already assigned to the dispute"),
	"dispute_mediator_one_lead_idx":               validate.Field("role", "the dispute already has a LEAD mediator"),
	"dispute_mediator_mediator_id_fkey":           &workflow.NotFoundError{Field: "mediatorId", What: "mediator"},
	"dispute_mediator_dispute_id_fkey":            &workflow.NotFoundError{Field: "disputeId", What: "dispute"},
	"dispute_mediator_role_check":                 validate.Field("role", "is not a mediator's role"),
	"dispute_mediator_version_check":              errors.New("mediation: dispute mediator version out of range"),

	// mediation.session
	"session_dispute_id_fkey":  &workflow.NotFoundError{Field: "disputeId", What: "dispute"},
	"session_place_check":      validate.Field("place", "must have 1 to 200 characters"),
	"session_record_check":     validate.Field("record", "must have at most 20000 characters"),
	"session_approaches_check": validate.Field("approaches", "names an unknown approach"),
	"session_version_check":    errors.New("mediation: session version out of range"),

	// mediation.agreement
	"agreement_dispute_id_key":              validate.Field("disputeId", "already has an agreement"),
	"agreement_dispute_id_fkey":             &workflow.NotFoundError{Field: "disputeId", What: "dispute"},
	"agreement_check":                       validate.Field("performanceDeadline", "must not be before the signing day"),
	"agreement_terms_check":                 validate.Field("terms", "must have 1 to 20000 characters"),
	"agreement_form_check":                  validate.Field("form", "is not an agreement form"),
	"agreement_judicial_confirmation_check": errors.New("mediation: unknown judicial confirmation state"),
	"agreement_version_check":               errors.New("mediation: agreement version out of range"),

	// mediation.follow_up
	"follow_up_agreement_id_fkey":  &workflow.NotFoundError{Field: "agreementId", What: "agreement"},
	"follow_up_visitor_check":      validate.Field("visitor", "must have 1 to 100 characters"),
	"follow_up_performance_check":  validate.Field("performance", "is not a performance"),
	"follow_up_satisfaction_check": validate.Field("satisfaction", "must be between 1 and 5"),
	"follow_up_version_check":      errors.New("mediation: follow-up version out of range"),
}

// WrittenTables are the tables the mediation commands write, whose constraints violations
// must name.
var WrittenTables = []string{"mediation.dispute", "mediation.dispute_party", "mediation.dispute_mediator",
	"mediation.session", "mediation.agreement", "mediation.follow_up"}
