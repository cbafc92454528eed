package mediation

// The mediation commands: each takes the mutation's transaction and a typed input (IDs
// already decoded), checks it against the rules and the records, writes, and returns the IDs
// of the rows it wrote. Errors are the API's vocabulary: *apierr.InputError (validate) naming
// the input field, *workflow.NotFoundError (matching apierr.ErrNotFound), *access.ForbiddenError,
// *workflow.ConflictError and *workflow.TransitionError; a constraint violation is mapped by
// its name (violations.go).

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"civiclink/db/mediation/sqlcdb"
	"civiclink/db/street"
	"civiclink/db/workflow"
	"civiclink/internal/access"
	"civiclink/internal/apierr"
	"civiclink/internal/auth"
	"civiclink/internal/clock"
	"civiclink/internal/events"
	"civiclink/internal/validate"

	"github.com/jackc/pgx/v5"
)

// DisputeWritten names a dispute a command changed, and the risk item an escalation opened.
type DisputeWritten struct {
	Dispute  int64  `json:"dispute"`
	RiskItem *int64 `json:"riskItem,omitempty"`
}

// SessionWritten names a recorded session and its dispute.
type SessionWritten struct {
	Session int64 `json:"session"`
	Dispute int64 `json:"dispute"`
}

// AgreementWritten names an agreement and its dispute.
type AgreementWritten struct {
	Agreement int64 `json:"agreement"`
	Dispute   int64 `json:"dispute"`
}

// FollowUpWritten names a recorded follow-up visit and its agreement.
type FollowUpWritten struct {
	FollowUp  int64 `json:"followUp"`
	Agreement int64 `json:"agreement"`
}

// NewDispute is a dispute to open in status RECEIVED.
type NewDispute struct {
	CommitteeID                   int64
	Source                        string
	ReferredCaseID, GridEventID   *int64
	GridID, EstateID              *int64
	Category, Difficulty, Summary string
	Amount                        *float64
}

// OpenDispute numbers and inserts a dispute in status RECEIVED, received now, with its first
// status-log row. Its caller (a registration, a police referral, a grid event's conversion)
// has checked the references; a violation that a check could not foresee is reported as that
// constraint's own error (a second referral of a case as "already referred", and only that).
func OpenDispute(ctx context.Context, tx pgx.Tx, d NewDispute) (int64, error) {
	received := clock.Now(ctx)
	no, err := workflow.NextNumber(ctx, tx, "T", received.Year(), 5)
	if err != nil {
		return 0, err
	}
	id, err := sqlcdb.New(tx).InsertDispute(ctx, sqlcdb.InsertDisputeParams{
		DisputeNo: no, CommitteeID: d.CommitteeID, Source: d.Source, ReferredCaseID: d.ReferredCaseID, GridEventID: d.GridEventID,
		GridID: d.GridID, EstateID: d.EstateID, Category: d.Category, Difficulty: d.Difficulty, Amount: d.Amount,
		Summary: d.Summary, ReceivedAt: received,
	})
	if err != nil {
		return 0, violations.Map(fmt.Errorf("insert dispute: %w", err))
	}
	return id, workflow.Disputes.Created(ctx, tx, id, workflow.Actor(ctx))
}

// Party is a person's side in a new dispute.
type Party struct {
	PersonID int64
	Side     string
}

// Registration is a dispute brought directly to a committee (by the parties, the committee
// itself or a court), with its parties.
type Registration struct {
	CommitteeID                           int64
	Source, Category, Difficulty, Summary string
	GridID, EstateID                      *int64
	Amount                                *float64
	Parties                               []Party
}

// RegisterDispute registers a dispute with its parties: at least one APPLICANT, each person
// once. A mediator registers disputes with their own committee only.
func RegisterDispute(ctx context.Context, tx pgx.Tx, r Registration) (DisputeWritten, error) {
	var v validate.V
	v.Text("summary", r.Summary, 1, 2000)
	v.Check(r.Amount == nil || (*r.Amount >= 0 && *r.Amount <= 1e12), "amount", "must be between 0 and 1,000,000,000,000")
	v.Check(len(r.Parties) <= 50, "parties", "at most 50 parties")
	persons := make([]int64, len(r.Parties))
	sides := make([]string, len(r.Parties))
	applicant := false
	for i, p := range r.Parties {
		v.Check(!slices.Contains(persons[:i], p.PersonID), fmt.Sprintf("parties[%d].personId", i), "names a person twice")
		persons[i], sides[i] = p.PersonID, p.Side
		applicant = applicant || p.Side == "APPLICANT"
	}
	v.Check(applicant, "parties", "must include an APPLICANT")
	if err := v.Err(); err != nil {
		return DisputeWritten{}, err
	}
	if p := auth.FromContext(ctx); p.Role == auth.Mediator && !slices.Contains(p.Scope.CommitteeIDs, r.CommitteeID) {
		return DisputeWritten{}, &access.ForbiddenError{Message: "committeeId: a mediator registers disputes with their own committee"}
	}
	q := sqlcdb.New(tx)
	if err := workflow.MustExist(ctx, tx, "mediation.committee", &r.CommitteeID, "committeeId", "committee"); err != nil {
		return DisputeWritten{}, err
	}
	if err := street.CheckPlace(ctx, tx, r.GridID, r.EstateID); err != nil {
		return DisputeWritten{}, err
	}
	known, err := q.CountPersons(ctx, persons)
	if err != nil {
		return DisputeWritten{}, fmt.Errorf("check parties: %w", err)
	}
	if known != int64(len(persons)) {
		return DisputeWritten{}, &workflow.NotFoundError{Field: "parties", What: "person"}
	}
	id, err := OpenDispute(ctx, tx, NewDispute{CommitteeID: r.CommitteeID, Source: r.Source, GridID: r.GridID, EstateID: r.EstateID,
		Category: r.Category, Difficulty: r.Difficulty, Summary: r.Summary, Amount: r.Amount})
	if err != nil {
		return DisputeWritten{}, err
	}
	if err := addParties(ctx, q, id, persons, sides); err != nil {
		return DisputeWritten{}, err
	}
	return DisputeWritten{Dispute: id}, nil
}

// AddParties gives a new dispute its parties (a referral's, from its case).
func AddParties(ctx context.Context, tx pgx.Tx, dispute int64, parties []Party) error {
	persons := make([]int64, len(parties))
	sides := make([]string, len(parties))
	for i, p := range parties {
		persons[i], sides[i] = p.PersonID, p.Side
	}
	return addParties(ctx, sqlcdb.New(tx), dispute, persons, sides)
}

// addParties inserts the parties of a new dispute.
func addParties(ctx context.Context, q *sqlcdb.Queries, dispute int64, persons []int64, sides []string) error {
	if err := q.InsertDisputeParties(ctx, sqlcdb.InsertDisputePartiesParams{DisputeID: dispute, Persons: persons, Sides: sides}); err != nil {
		return violations.Map(fmt.Errorf("insert parties: %w", err))
	}
	return nil
}

// Escalation is the risk a FAILED dispute may escalate into.
type Escalation struct {
	Dimension, Description string
	Likelihood, Impact     int
}

// EscalationItem is the risk item an escalation opens: in the dispute's grid and estate,
// linked to it.
type EscalationItem struct {
	Escalation
	DisputeID, GridID int64
	EstateID          *int64
}

// Escalate opens the risk item of an escalation, linked to its dispute, and returns its ID.
// Risk items are the risk domain's writes, so the caller hands its command in.
type Escalate func(ctx context.Context, tx pgx.Tx, item EscalationItem) (int64, error)

// DisputeMove is a status change of a dispute.
type DisputeMove struct {
	DisputeID       int64
	Version         int
	To              string
	Reason, Outcome *string
	// Escalation, only with To FAILED, opens a risk item through Escalate.
	Escalation *Escalation
	Escalate   Escalate
}

// AdvanceDispute moves a dispute along its workflow (AGREED only through RecordAgreement); a
// FAILED dispute may open an escalation risk item through m.Escalate.
func AdvanceDispute(ctx context.Context, tx pgx.Tx, m DisputeMove) (DisputeWritten, error) {
	var v validate.V
	v.OptText("reason", m.Reason, 2000)
	v.OptText("outcome", m.Outcome, 2000)
	if e := m.Escalation; e != nil {
		v.Check(m.To == "FAILED", "escalation", "is only possible when the dispute FAILED")
		v.Text("escalation.description", e.Description, 1, 2000)
		v.Range("escalation.likelihood", e.Likelihood, 1, 5)
		v.Range("escalation.impact", e.Impact, 1, 5)
		if m.Escalate == nil {
			return DisputeWritten{}, errors.New("mediation: an escalation without the risk command to open it")
		}
	}
	if m.To == "AGREED" {
		v.Add("to", "use recordAgreement to record the agreement a mediation reached")
	}
	if err := v.Err(); err != nil {
		return DisputeWritten{}, err
	}
	var sets []workflow.Set
	if m.Outcome != nil {
		sets = append(sets, workflow.Set{Column: "outcome", Value: *m.Outcome})
	}
	check := func(where sqlcdb.DisputeWhereRow) error {
		if m.Escalation != nil && where.GridID == nil {
			return validate.Field("escalation", "the dispute has no grid to raise a risk in")
		}
		return nil
	}
	_, where, err := move(ctx, tx, m.DisputeID, m.Version, m.To, m.Reason, sets, check)
	if err != nil {
		return DisputeWritten{}, err
	}
	out := DisputeWritten{Dispute: m.DisputeID}
	if m.Escalation == nil {
		return out, nil
	}
	item, err := m.Escalate(ctx, tx, EscalationItem{Escalation: *m.Escalation, DisputeID: m.DisputeID, GridID: *where.GridID, EstateID: where.EstateID})
	if err != nil {
		return DisputeWritten{}, err
	}
	out.RiskItem = &item
	return out, nil
}

// move checks the caller's scope and carries out one status change of a dispute, with its
// status-log row and its event. Once the dispute is locked and the step known to be legal,
// before anything is written, it reads where the dispute sits and hands that to check (nil:
// none) for the checks of the command. It returns the status it came from and that row.
func move(ctx context.Context, tx pgx.Tx, id int64, version int, to string, reason *string, sets []workflow.Set,
	check func(sqlcdb.DisputeWhereRow) error) (string, sqlcdb.DisputeWhereRow, error) {
	var where sqlcdb.DisputeWhereRow
	if err := access.InScope(ctx, tx, "disputeId", "mediation.dispute", access.Disputes, id); err != nil {
		return "", where, err
	}
	locate := func() error {
		var err error
		if where, err = sqlcdb.New(tx).DisputeWhere(ctx, id); err != nil {
			return fmt.Errorf("locate dispute %d: %w", id, err)
		}
		if check != nil {
			return check(where)
		}
		return nil
	}
	from, err := workflow.Disputes.Transition(ctx, tx, workflow.Change{ID: id, Version: version, To: to, Actor: workflow.Actor(ctx), Reason: reason, Sets: sets,
		Validate: locate})
	if err != nil {
		return "", where, violations.Map(err)
	}
	// The DISPUTE_STATUS_CHANGED event.
	e := events.Event{Kind: events.DisputeStatusChanged, EntityType: "Dispute", EntityID: id,
		FromStatus: &from, ToStatus: &to, Actor: workflow.Actor(ctx), GridID: where.GridID, StationID: where.StationID}
	return from, where, events.Emit(ctx, tx, e)
}

// Assignment assigns a mediator of the dispute's committee to it.
type Assignment struct {
	DisputeID, MediatorID int64
	Role                  string
}

// AssignMediator assigns a mediator of the dispute's committee to an ACCEPTED or
// IN_MEDIATION dispute; a dispute has one LEAD at most.
func AssignMediator(ctx context.Context, tx pgx.Tx, a Assignment) (DisputeWritten, error) {
	if err := access.InScope(ctx, tx, "disputeId", "mediation.dispute", access.Disputes, a.DisputeID); err != nil {
		return DisputeWritten{}, err
	}
	q := sqlcdb.New(tx)
	d, err := q.DisputeForAssignment(ctx, sqlcdb.DisputeForAssignmentParams{DisputeID: a.DisputeID, MediatorID: a.MediatorID})
	if errors.Is(err, pgx.ErrNoRows) {
		return DisputeWritten{}, &workflow.NotFoundError{Field: "disputeId", What: "dispute"}
	}
	if err != nil {
		return DisputeWritten{}, fmt.Errorf("read dispute: %w", err)
	}
	if d.MediatorCommitteeID == nil {
		return DisputeWritten{}, &workflow.NotFoundError{Field: "mediatorId", What: "mediator"}
	}
	if *d.MediatorCommitteeID != d.CommitteeID {
		return DisputeWritten{}, validate.Field("mediatorId", "does not serve on the dispute's committee")
	}
	if d.Status != "ACCEPTED" && d.Status != "IN_MEDIATION" {
		return DisputeWritten{}, validate.Field("disputeId", "is %s; mediators are assigned to ACCEPTED or IN_MEDIATION disputes", d.Status)
	}
	err = q.InsertDisputeMediator(ctx, sqlcdb.InsertDisputeMediatorParams{DisputeID: a.DisputeID, MediatorID: a.MediatorID, Role: a.Role})
	if err != nil {
		return DisputeWritten{}, violations.Map(fmt.Errorf("assign mediator: %w", err))
	}
	return DisputeWritten{Dispute: a.DisputeID}, nil
}

// Sitting is a mediation session to record.
type Sitting struct {
	DisputeID  int64
	HeldAt     time.Time
	Place      string
	Approaches []string
	Record     *string
}

// RecordSession records a sitting of an IN_MEDIATION dispute, held not before the dispute was
// received and not in the future.
func RecordSession(ctx context.Context, tx pgx.Tx, s Sitting) (SessionWritten, error) {
	var v validate.V
	v.Text("place", s.Place, 1, 200)
	v.OptText("record", s.Record, 20000)
	v.NotFuture("heldAt", s.HeldAt, clock.Now(ctx))
	if err := v.Err(); err != nil {
		return SessionWritten{}, err
	}
	if err := access.InScope(ctx, tx, "disputeId", "mediation.dispute", access.Disputes, s.DisputeID); err != nil {
		return SessionWritten{}, err
	}
	q := sqlcdb.New(tx)
	d, err := timeline(ctx, q, s.DisputeID)
	if err != nil {
		return SessionWritten{}, err
	}
	if d.Status != "IN_MEDIATION" {
		return SessionWritten{}, validate.Field("disputeId", "is %s; sessions are recorded while IN_MEDIATION", d.Status)
	}
	if s.HeldAt.Before(d.ReceivedAt) {
		return SessionWritten{}, validate.Field("heldAt", "must not be before the dispute was received")
	}
	if s.Approaches == nil {
		s.Approaches = []string{}
	}
	id, err := q.InsertSession(ctx, sqlcdb.InsertSessionParams{DisputeID: s.DisputeID, HeldAt: s.HeldAt, Place: s.Place, Approaches: s.Approaches, Record: s.Record})
	if err != nil {
		return SessionWritten{}, violations.Map(fmt.Errorf("insert session: %w", err))
	}
	return SessionWritten{Session: id, Dispute: s.DisputeID}, nil
}

// timeline reads a dispute's status and the moment it was received.
func timeline(ctx context.Context, q *sqlcdb.Queries, dispute int64) (sqlcdb.DisputeTimelineRow, error) {
	d, err := q.DisputeTimeline(ctx, dispute)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, &workflow.NotFoundError{Field: "disputeId", What: "dispute"}
	}
	if err != nil {
		return d, fmt.Errorf("read dispute: %w", err)
	}
	return d, nil
}

// Terms is the agreement a mediation reached.
type Terms struct {
	DisputeID int64
	// Version is the version of the dispute the client read.
	Version int
	Form    string
	Terms   string
	// SignedAt is not in the future, not before the dispute was received, and not before its
	// last mediation session.
	SignedAt time.Time
	// PerformanceDeadline (a date) is not before the office's signing day.
	PerformanceDeadline *time.Time
}

// RecordAgreement records the agreement and moves the dispute from IN_MEDIATION to AGREED.
func RecordAgreement(ctx context.Context, tx pgx.Tx, t Terms) (AgreementWritten, error) {
	var v validate.V
	v.Text("terms", t.Terms, 1, 20000)
	v.NotFuture("signedAt", t.SignedAt, clock.Now(ctx))
	if t.PerformanceDeadline != nil {
		v.NotBefore("performanceDeadline", *t.PerformanceDeadline, clock.DateOf(t.SignedAt), "the signing day")
	}
	if err := v.Err(); err != nil {
		return AgreementWritten{}, err
	}
	q := sqlcdb.New(tx)
	// The dispute is locked when the check runs: its timeline cannot change under it.
	check := func(where sqlcdb.DisputeWhereRow) error {
		if t.SignedAt.Before(where.ReceivedAt) {
			return validate.Field("signedAt", "must not be before the dispute was received (%s)", where.ReceivedAt.UTC().Format(time.RFC3339))
		}
		last, err := q.LastSessionAt(ctx, t.DisputeID)
		if err != nil {
			return fmt.Errorf("read last session: %w", err)
		}
		if len(last) > 0 && t.SignedAt.Before(last[0]) {
			return validate.Field("signedAt", "must not be before the dispute's last mediation session (%s)", last[0].UTC().Format(time.RFC3339))
		}
		return nil
	}
	if _, _, err := move(ctx, tx, t.DisputeID, t.Version, "AGREED", nil, nil, check); err != nil {
		return AgreementWritten{}, err
	}
	id, err := q.InsertAgreement(ctx, sqlcdb.InsertAgreementParams{DisputeID: t.DisputeID, Form: t.Form, Terms: t.Terms,
		PerformanceDeadline: t.PerformanceDeadline, SignedAt: t.SignedAt})
	if err != nil {
		return AgreementWritten{}, violations.Map(fmt.Errorf("insert agreement: %w", err))
	}
	return AgreementWritten{Agreement: id, Dispute: t.DisputeID}, nil
}

// Visit is a follow-up visit on an agreement.
type Visit struct {
	AgreementID  int64
	VisitedAt    time.Time
	Visitor      string
	Performance  string
	Satisfaction *int
	NewRisk      bool
}

// RecordFollowUp records a visit on an agreement, not before it was signed.
func RecordFollowUp(ctx context.Context, tx pgx.Tx, f Visit) (FollowUpWritten, error) {
	var v validate.V
	v.Text("visitor", f.Visitor, 1, 100)
	v.OptRange("satisfaction", f.Satisfaction, 1, 5)
	v.NotFuture("visitedAt", f.VisitedAt, clock.Now(ctx))
	if err := v.Err(); err != nil {
		return FollowUpWritten{}, err
	}
	if err := access.InScope(ctx, tx, "agreementId", "mediation.agreement", access.Agreements, f.AgreementID); err != nil {
		return FollowUpWritten{}, err
	}
	q := sqlcdb.New(tx)
	signed, err := q.AgreementSignedAt(ctx, f.AgreementID)
	if errors.Is(err, pgx.ErrNoRows) {
		return FollowUpWritten{}, &workflow.NotFoundError{Field: "agreementId", What: "agreement"}
	}
	if err != nil {
		return FollowUpWritten{}, fmt.Errorf("read agreement: %w", err)
	}
	if f.VisitedAt.Before(signed) {
		return FollowUpWritten{}, validate.Field("visitedAt", "must not be before the agreement was signed")
	}
	var satisfaction *int16
	if f.Satisfaction != nil {
		s := int16(*f.Satisfaction)
		satisfaction = &s
	}
	id, err := q.InsertFollowUp(ctx, sqlcdb.InsertFollowUpParams{AgreementID: f.AgreementID, VisitedAt: f.VisitedAt, Visitor: f.Visitor,
		Performance: f.Performance, Satisfaction: satisfaction, NewRisk: f.NewRisk})
	if err != nil {
		return FollowUpWritten{}, violations.Map(fmt.Errorf("insert follow-up: %w", err))
	}
	return FollowUpWritten{FollowUp: id, Agreement: f.AgreementID}, nil
}

// ConfirmationRequest asks for judicial confirmation of an agreement, at the version of the
// agreement the client read.
type ConfirmationRequest struct {
	AgreementID int64
	Version     int
}

// ApplyForJudicialConfirmation moves an agreement's judicial confirmation from NONE to APPLIED.
func ApplyForJudicialConfirmation(ctx context.Context, tx pgx.Tx, c ConfirmationRequest) (AgreementWritten, error) {
	agreement, version := c.AgreementID, c.Version
	if err := access.InScope(ctx, tx, "agreementId", "mediation.agreement", access.Agreements, agreement); err != nil {
		return AgreementWritten{}, err
	}
	var confirmation string
	var dispute int64
	err := workflow.LockVersion(ctx, tx, "mediation.agreement", "agreement", agreement, version, "judicial_confirmation, dispute_id", &confirmation, &dispute)
	if errors.Is(err, apierr.ErrNotFound) {
		return AgreementWritten{}, &workflow.NotFoundError{Field: "agreementId", What: "agreement"}
	}
	if err != nil {
		return AgreementWritten{}, err
	}
	if confirmation != "NONE" {
		return AgreementWritten{}, &workflow.TransitionError{Workflow: "judicial confirmation", From: confirmation, To: "APPLIED"}
	}
	if err := sqlcdb.New(tx).ApplyForConfirmation(ctx, agreement); err != nil {
		return AgreementWritten{}, violations.Map(fmt.Errorf("apply for confirmation: %w", err))
	}
	return AgreementWritten{Agreement: agreement, Dispute: dispute}, nil
}
