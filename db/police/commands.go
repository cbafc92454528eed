package police

// The police commands: each takes the mutation's transaction and a typed input (IDs already
// decoded), checks it against the rules and the records, writes, and returns the IDs of the
// rows it wrote, with errors in the API's vocabulary (see db/mediation/commands.go); a
// constraint violation is mapped by its name (violations.go).

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"civiclink/db/mediation"
	"civiclink/db/police/sqlcdb"
	"civiclink/db/street"
	"civiclink/db/workflow"
	"civiclink/internal/access"
	"civiclink/internal/auth"
	"civiclink/internal/clock"
	"civiclink/internal/events"
	"civiclink/internal/validate"

	"github.com/jackc/pgx/v5"
)

// CaseWritten names a case a command changed.
type CaseWritten struct {
	Case int64 `json:"case"`
}

// ReferralWritten names a referred case and the dispute opened for it.
type ReferralWritten struct {
	Case    int64 `json:"case"`
	Dispute int64 `json:"dispute"`
}

// CaseRecord is a case to open in status RECEIVED.
type CaseRecord struct {
	StationID                       int64
	Kind, Category, Source, Summary string
	OccurredAt                      *time.Time
	ReceivedAt                      time.Time
	GridID, EstateID, LeadOfficerID *int64
	Address                         *string
}

// OpenCase numbers and inserts a case in status RECEIVED with its first status-log row. Its
// caller (a registration, a grid event's conversion) has checked the references.
func OpenCase(ctx context.Context, tx pgx.Tx, c CaseRecord) (int64, error) {
	no, err := workflow.NextNumber(ctx, tx, "J", c.ReceivedAt.Year(), 6)
	if err != nil {
		return 0, err
	}
	q := sqlcdb.New(tx)
	id, err := q.NextCaseID(ctx)
	if err != nil {
		return 0, fmt.Errorf("next case id: %w", err)
	}
	err = q.InsertCase(ctx, sqlcdb.InsertCaseParams{ID: id, CaseNo: no, StationID: c.StationID, Kind: c.Kind, Category: c.Category,
		Source: c.Source, Summary: c.Summary, OccurredAt: c.OccurredAt, ReceivedAt: c.ReceivedAt, GridID: c.GridID, EstateID: c.EstateID,
		Address: c.Address, LeadOfficerID: c.LeadOfficerID})
	if err != nil {
		return 0, violations.Map(fmt.Errorf("insert case: %w", err))
	}
	return id, workflow.Cases.Created(ctx, tx, id, workflow.Actor(ctx))
}

// Registration is a case an officer registers with their station; ReceivedAt nil is now.
type Registration struct {
	StationID                       int64
	Kind, Category, Source, Summary string
	OccurredAt, ReceivedAt          *time.Time
	GridID, EstateID, LeadOfficerID *int64
	Address                         *string
}

// RegisterCase registers a case in status RECEIVED and announces it (CASE_REGISTERED), so
// live views see new cases.
func RegisterCase(ctx context.Context, tx pgx.Tx, r Registration) (CaseWritten, error) {
	now := clock.Now(ctx)
	received := now
	if r.ReceivedAt != nil {
		received = *r.ReceivedAt
	}
	var v validate.V
	v.Text("summary", r.Summary, 1, 2000)
	v.OptText("address", r.Address, 300)
	v.NotFuture("receivedAt", received, now)
	if r.OccurredAt != nil {
		v.NotBefore("receivedAt", received, *r.OccurredAt, "occurredAt")
	}
	if err := v.Err(); err != nil {
		return CaseWritten{}, err
	}
	if p := auth.FromContext(ctx); p.Scope.StationID == nil || *p.Scope.StationID != r.StationID {
		return CaseWritten{}, &access.ForbiddenError{Message: "stationId: an officer registers cases of their own station"}
	}
	if err := workflow.MustExist(ctx, tx, "police.station", &r.StationID, "stationId", "station"); err != nil {
		return CaseWritten{}, err
	}
	if err := street.CheckPlace(ctx, tx, r.GridID, r.EstateID); err != nil {
		return CaseWritten{}, err
	}
	q := sqlcdb.New(tx)
	if r.LeadOfficerID != nil {
		ok, err := q.OfficerOfStation(ctx, sqlcdb.OfficerOfStationParams{OfficerID: *r.LeadOfficerID, StationID: r.StationID})
		if err != nil {
			return CaseWritten{}, fmt.Errorf("check lead officer: %w", err)
		}
		if !ok {
			return CaseWritten{}, validate.Field("leadOfficerId", "is not an officer of the station")
		}
	}
	id, err := OpenCase(ctx, tx, CaseRecord{StationID: r.StationID, Kind: r.Kind, Category: r.Category, Source: r.Source, Summary: r.Summary,
		OccurredAt: r.OccurredAt, ReceivedAt: received, GridID: r.GridID, EstateID: r.EstateID, LeadOfficerID: r.LeadOfficerID, Address: r.Address})
	if err != nil {
		return CaseWritten{}, err
	}
	status := workflow.CaseMachine.Initial
	e := events.Event{Kind: events.CaseRegistered, EntityType: "Case", EntityID: id, ToStatus: &status, Actor: workflow.Actor(ctx),
		GridID: r.GridID, StationID: &r.StationID}
	if err := events.Emit(ctx, tx, e); err != nil {
		return CaseWritten{}, err
	}
	return CaseWritten{Case: id}, nil
}

// CaseMove is a status change of a case.
type CaseMove struct {
	CaseID              int64
	Version             int
	To                  string
	Reason, Disposition *string
}

// AdvanceCase moves a case along its workflow (REFERRED only through ReferCase); a
// disposition is recorded with DECIDED, TERMINATED or TRANSFERRED.
func AdvanceCase(ctx context.Context, tx pgx.Tx, m CaseMove) (CaseWritten, error) {
	var sets []workflow.Set
	if m.Disposition != nil {
		if !slices.Contains([]string{"DECIDED", "TERMINATED", "TRANSFERRED"}, m.To) {
			return CaseWritten{}, validate.Field("disposition", "is recorded only with DECIDED, TERMINATED or TRANSFERRED")
		}
		var v validate.V
		v.OptText("disposition", m.Disposition, 2000)
		if err := v.Err(); err != nil {
			return CaseWritten{}, err
		}
		sets = append(sets, workflow.Set{Column: "disposition", Value: *m.Disposition})
	}
	if m.To == "REFERRED" {
		return CaseWritten{}, validate.Field("to", "use referCaseToMediation to refer a case")
	}
	var v validate.V
	v.OptText("reason", m.Reason, 2000)
	if err := v.Err(); err != nil {
		return CaseWritten{}, err
	}
	if err := access.InScope(ctx, tx, "caseId", `police."case"`, access.Cases, m.CaseID); err != nil {
		return CaseWritten{}, err
	}
	from, err := transition(ctx, tx, m.CaseID, m.Version, m.To, m.Reason, sets)
	if err != nil {
		return CaseWritten{}, err
	}
	e, err := located(ctx, tx, events.Event{Kind: events.CaseStatusChanged, EntityType: "Case", EntityID: m.CaseID, FromStatus: &from, ToStatus: &m.To, Actor: workflow.Actor(ctx)}, m.CaseID)
	if err != nil {
		return CaseWritten{}, err
	}
	return CaseWritten{Case: m.CaseID}, events.Emit(ctx, tx, e)
}

// transition carries out one status change of a case with its status-log row; it returns the
// status it came from.
func transition(ctx context.Context, tx pgx.Tx, id int64, version int, to string, reason *string, sets []workflow.Set) (string, error) {
	from, err := workflow.Cases.Transition(ctx, tx, workflow.Change{ID: id, Version: version, To: to, Actor: workflow.Actor(ctx), Reason: reason, Sets: sets})
	if err != nil {
		return "", violations.Map(err)
	}
	return from, nil
}

// located fills in the grid and station of case id, where its events are delivered.
func located(ctx context.Context, tx pgx.Tx, e events.Event, id int64) (events.Event, error) {
	where, err := sqlcdb.New(tx).CaseWhere(ctx, id)
	if err != nil {
		return e, fmt.Errorf("locate case %d: %w", id, err)
	}
	e.GridID, e.StationID = where.GridID, &where.StationID
	return e, nil
}

// Referral refers a case to a mediation committee.
type Referral struct {
	CaseID               int64
	Version              int
	CommitteeID          int64
	Category, Difficulty string
	Summary, Reason      *string
}

// ReferCase moves a case the police found not to be a police matter (status NON_POLICE,
// whatever kind it was registered as) to REFERRED and opens a POLICE_REFERRAL dispute for
// it, with the case's parties (a suspect responds, a victim or caller applies, a witness
// joins), in one transaction. CASE_REFERRED carries the case's status before the referral.
func ReferCase(ctx context.Context, tx pgx.Tx, r Referral) (ReferralWritten, error) {
	var v validate.V
	v.OptText("summary", r.Summary, 2000)
	v.OptText("reason", r.Reason, 2000)
	if err := v.Err(); err != nil {
		return ReferralWritten{}, err
	}
	if err := access.InScope(ctx, tx, "caseId", `police."case"`, access.Cases, r.CaseID); err != nil {
		return ReferralWritten{}, err
	}
	q := sqlcdb.New(tx)
	c, err := q.CaseForReferral(ctx, r.CaseID)
	if errors.Is(err, pgx.ErrNoRows) {
		return ReferralWritten{}, &workflow.NotFoundError{Field: "caseId", What: "case"}
	}
	if err != nil {
		return ReferralWritten{}, fmt.Errorf("read case: %w", err)
	}
	// A case found NON_POLICE on the scene is referred whatever its kind; a case of another
	// kind that was not is refused here, a NON_POLICE one by its state machine below.
	if c.Status != "NON_POLICE" && c.Kind != "NON_POLICE" {
		return ReferralWritten{}, validate.Field("caseId", "is a %s case in status %s; only cases found NON_POLICE can be referred to mediation", c.Kind, c.Status)
	}
	if err := workflow.MustExist(ctx, tx, "mediation.committee", &r.CommitteeID, "committeeId", "committee"); err != nil {
		return ReferralWritten{}, err
	}
	from, err := transition(ctx, tx, r.CaseID, r.Version, "REFERRED", r.Reason, nil)
	if err != nil {
		return ReferralWritten{}, err
	}
	summary := c.Summary
	if r.Summary != nil {
		summary = *r.Summary
	}
	dispute, err := mediation.OpenDispute(ctx, tx, mediation.NewDispute{CommitteeID: r.CommitteeID, Source: "POLICE_REFERRAL", ReferredCaseID: &r.CaseID,
		GridID: c.GridID, EstateID: c.EstateID, Category: r.Category, Difficulty: r.Difficulty, Summary: summary})
	if err != nil {
		return ReferralWritten{}, err
	}
	rows, err := q.PartiesForReferral(ctx, r.CaseID)
	if err != nil {
		return ReferralWritten{}, fmt.Errorf("read case parties: %w", err)
	}
	parties := make([]mediation.Party, len(rows))
	for i, p := range rows {
		parties[i] = mediation.Party{PersonID: p.PersonID, Side: sideOf(p.Role)}
	}
	if err := mediation.AddParties(ctx, tx, dispute, parties); err != nil {
		return ReferralWritten{}, err
	}
	to := "REFERRED"
	e := events.Event{Kind: events.CaseReferred, EntityType: "Dispute", EntityID: dispute, FromStatus: &from, ToStatus: &to, Actor: workflow.Actor(ctx),
		GridID: c.GridID, StationID: &c.StationID}
	return ReferralWritten{Case: r.CaseID, Dispute: dispute}, events.Emit(ctx, tx, e)
}

// sideOf is the side in mediation of a case party's role.
func sideOf(role string) string {
	switch role {
	case "SUSPECT":
		return "RESPONDENT"
	case "WITNESS":
		return "THIRD_PARTY"
	default:
		return "APPLICANT"
	}
}
