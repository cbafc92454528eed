package resolvers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"civiclink/db/mediation/sqlcdb"
	"civiclink/db/workflow"
	"civiclink/graph/model"
	"civiclink/internal/access"
	"civiclink/internal/apierr"
	"civiclink/internal/auth"
	"civiclink/internal/clock"
	"civiclink/internal/events"
	"civiclink/internal/validate"

	"github.com/jackc/pgx/v5"
)

type newDispute struct {
	committee                     int64
	source                        string
	referredCase, gridEvent       *int64
	grid, estate                  *int64
	category, difficulty, summary string
}

// insertDispute numbers and inserts a dispute in status RECEIVED with its first log row.
func insertDispute(ctx context.Context, tx pgx.Tx, d newDispute) (int64, error) {
	received := clock.Now(ctx)
	no, err := workflow.NextNumber(ctx, tx, "T", received.Year(), 5)
	if err != nil {
		return 0, err
	}
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO mediation.dispute (dispute_no, committee_id, source, referred_case_id, grid_event_id,
			grid_id, estate_id, category, difficulty, status, summary, received_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'RECEIVED', $10, $11) RETURNING id`,
		no, d.committee, d.source, d.referredCase, d.gridEvent, d.grid, d.estate, d.category, d.difficulty, d.summary, received).Scan(&id)
	if err != nil {
		return 0, constraintError(fmt.Errorf("insert dispute: %w", err), "caseId", "has already been referred to mediation")
	}
	return id, workflow.Disputes.Created(ctx, tx, id, actor(ctx))
}

// disputeChanged emits the status-change event of a dispute.
func disputeChanged(ctx context.Context, tx pgx.Tx, id int64, from, to string) error {
	return emitStatus(ctx, tx, events.DisputeStatusChanged, "Dispute", id, from, to, disputeWhere)
}

// advanceDispute moves a dispute along its workflow; a FAILED dispute may open an
// escalation risk item linked to it.
func (r *mutationResolver) advanceDispute(ctx context.Context, in model.AdvanceDisputeInput) (workflow.Result, error) {
	var v validate.V
	v.OptText("outcome", in.Outcome, 2000)
	if in.Escalation != nil {
		v.Check(in.To == "FAILED", "escalation", "is only possible when the dispute FAILED")
		v.Text("escalation.description", in.Escalation.Description, 1, 2000)
		v.Range("escalation.likelihood", in.Escalation.Likelihood, 1, 5)
		v.Range("escalation.impact", in.Escalation.Impact, 1, 5)
	}
	if in.To == "AGREED" {
		v.Add("to", "use recordAgreement to record the agreement a mediation reached")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var sets []workflow.Set
	if in.Outcome != nil {
		sets = append(sets, workflow.Set{Column: "outcome", Value: *in.Outcome})
	}
	return r.advance(ctx, advance{op: "advanceDispute", lc: workflow.Disputes, rule: access.Disputes, typ: "Dispute", field: "disputeId", id: in.DisputeID,
		version: in.Version, to: in.To, reason: in.Reason, key: in.IdempotencyKey, input: in, sets: sets,
		after: func(ctx context.Context, tx pgx.Tx, id int64, from string) (workflow.Result, error) {
			if err := disputeChanged(ctx, tx, id, from, in.To); err != nil {
				return nil, err
			}
			if in.Escalation == nil {
				return nil, nil
			}
			var grid, estate *int64
			if err := tx.QueryRow(ctx, "SELECT grid_id, estate_id FROM mediation.dispute WHERE id = $1", id).Scan(&grid, &estate); err != nil {
				return nil, fmt.Errorf("read dispute grid: %w", err)
			}
			if grid == nil {
				return nil, validate.Field("escalation", "the dispute has no grid to raise a risk in")
			}
			item, err := insertRiskItem(ctx, tx, newRiskItem{grid: *grid, estate: estate, dimension: in.Escalation.Dimension,
				description: in.Escalation.Description, likelihood: in.Escalation.Likelihood, impact: in.Escalation.Impact})
			if err != nil {
				return nil, err
			}
			if _, err := tx.Exec(ctx, "INSERT INTO risk.risk_link (risk_item_id, dispute_id) VALUES ($1, $2)", item, id); err != nil {
				return nil, fmt.Errorf("link escalation risk: %w", err)
			}
			return workflow.Result{"riskItem": item}, nil
		}})
}

// assignMediator assigns a mediator of the dispute's committee.
func (r *mutationResolver) assignMediator(ctx context.Context, in model.AssignMediatorInput) (workflow.Result, error) {
	dispute, err := pk("disputeId", "Dispute", in.DisputeID)
	if err != nil {
		return nil, err
	}
	mediator, err := pk("mediatorId", "Mediator", in.MediatorID)
	if err != nil {
		return nil, err
	}
	return r.run(ctx, "assignMediator", in.IdempotencyKey, in, func(ctx context.Context, tx pgx.Tx) (workflow.Result, error) {
		if err := inScope(ctx, tx, "disputeId", "mediation.dispute", access.Disputes, &dispute); err != nil {
			return nil, err
		}
		var status string
		var sameCommittee bool
		err := tx.QueryRow(ctx, `SELECT d.status, EXISTS (SELECT 1 FROM mediation.mediator m WHERE m.id = $2 AND m.committee_id = d.committee_id)
			FROM mediation.dispute d WHERE d.id = $1 FOR UPDATE`, dispute, mediator).Scan(&status, &sameCommittee)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, &workflow.NotFoundError{Field: "disputeId", What: "dispute"}
		}
		if err != nil {
			return nil, fmt.Errorf("read dispute: %w", err)
		}
		if err := mustExist(ctx, tx, "mediation.mediator", &mediator, "mediatorId", "mediator"); err != nil {
			return nil, err
		}
		if !sameCommittee {
			return nil, validate.Field("mediatorId", "does not serve on the dispute's committee")
		}
		if status != "ACCEPTED" && status != "IN_MEDIATION" {
			return nil, validate.Field("disputeId", "is %s; mediators are assigned to ACCEPTED or IN_MEDIATION disputes", status)
		}
		_, err = tx.Exec(ctx, "INSERT INTO mediation.dispute_mediator (dispute_id, mediator_id, role) VALUES ($1, $2, $3)", dispute, mediator, in.Role)
		if err != nil {
			return nil, constraintError(fmt.Errorf("assign mediator: %w", err), "mediatorId", "is already assigned, or the dispute already has a LEAD mediator")
		}
		return workflow.Result{"dispute": dispute}, nil
	})
}

// recordMediationSession records a sitting of an IN_MEDIATION dispute.
func (r *mutationResolver) recordMediationSession(ctx context.Context, in model.RecordMediationSessionInput) (workflow.Result, error) {
	dispute, err := pk("disputeId", "Dispute", in.DisputeID)
	if err != nil {
		return nil, err
	}
	var v validate.V
	v.Text("place", in.Place, 1, 200)
	v.OptText("record", in.Record, 20000)
	v.NotFuture("heldAt", in.HeldAt, clock.Now(ctx))
	if err := v.Err(); err != nil {
		return nil, err
	}
	return r.run(ctx, "recordMediationSession", in.IdempotencyKey, in, func(ctx context.Context, tx pgx.Tx) (workflow.Result, error) {
		if err := inScope(ctx, tx, "disputeId", "mediation.dispute", access.Disputes, &dispute); err != nil {
			return nil, err
		}
		var status string
		var received time.Time
		err := tx.QueryRow(ctx, "SELECT status, received_at FROM mediation.dispute WHERE id = $1", dispute).Scan(&status, &received)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, &workflow.NotFoundError{Field: "disputeId", What: "dispute"}
		}
		if err != nil {
			return nil, fmt.Errorf("read dispute: %w", err)
		}
		if status != "IN_MEDIATION" {
			return nil, validate.Field("disputeId", "is %s; sessions are recorded while IN_MEDIATION", status)
		}
		if in.HeldAt.Before(received) {
			return nil, validate.Field("heldAt", "must not be before the dispute was received")
		}
		var id int64
		err = tx.QueryRow(ctx, "INSERT INTO mediation.session (dispute_id, held_at, place, approaches, record) VALUES ($1, $2, $3, $4, $5) RETURNING id",
			dispute, in.HeldAt, in.Place, in.Approaches, in.Record).Scan(&id)
		if err != nil {
			return nil, fmt.Errorf("insert session: %w", err)
		}
		return workflow.Result{"session": id, "dispute": dispute}, nil
	})
}

// recordAgreement records the agreement and moves the dispute from IN_MEDIATION to AGREED.
func (r *mutationResolver) recordAgreement(ctx context.Context, in model.RecordAgreementInput) (workflow.Result, error) {
	var v validate.V
	v.Text("terms", in.Terms, 1, 20000)
	v.NotFuture("signedAt", in.SignedAt, clock.Now(ctx))
	if in.PerformanceDeadline != nil {
		v.NotBefore("performanceDeadline", *in.PerformanceDeadline, in.SignedAt.Truncate(24*time.Hour), "the signing day")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return r.advance(ctx, advance{op: "recordAgreement", lc: workflow.Disputes, rule: access.Disputes, typ: "Dispute", field: "disputeId", id: in.DisputeID,
		version: in.Version, to: "AGREED", key: in.IdempotencyKey, input: in,
		after: func(ctx context.Context, tx pgx.Tx, id int64, from string) (workflow.Result, error) {
			var agreement int64
			err := tx.QueryRow(ctx, `INSERT INTO mediation.agreement (dispute_id, form, terms, performance_deadline, signed_at)
				VALUES ($1, $2, $3, $4, $5) RETURNING id`, id, in.Form, in.Terms, in.PerformanceDeadline, in.SignedAt).Scan(&agreement)
			if err != nil {
				return nil, constraintError(fmt.Errorf("insert agreement: %w", err), "disputeId", "already has an agreement")
			}
			return workflow.Result{"agreement": agreement}, disputeChanged(ctx, tx, id, from, "AGREED")
		}})
}

// recordFollowUp records a visit on an agreement whose dispute is being performed.
func (r *mutationResolver) recordFollowUp(ctx context.Context, in model.RecordFollowUpInput) (workflow.Result, error) {
	agreement, err := pk("agreementId", "Agreement", in.AgreementID)
	if err != nil {
		return nil, err
	}
	var v validate.V
	v.Text("visitor", in.Visitor, 1, 100)
	v.OptRange("satisfaction", in.Satisfaction, 1, 5)
	v.NotFuture("visitedAt", in.VisitedAt, clock.Now(ctx))
	if err := v.Err(); err != nil {
		return nil, err
	}
	return r.run(ctx, "recordFollowUp", in.IdempotencyKey, in, func(ctx context.Context, tx pgx.Tx) (workflow.Result, error) {
		if err := inScope(ctx, tx, "agreementId", "mediation.agreement", access.Agreements, &agreement); err != nil {
			return nil, err
		}
		signed, err := sqlcdb.New(tx).AgreementSignedAt(ctx, agreement)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, &workflow.NotFoundError{Field: "agreementId", What: "agreement"}
		}
		if err != nil {
			return nil, fmt.Errorf("read agreement: %w", err)
		}
		if in.VisitedAt.Before(signed) {
			return nil, validate.Field("visitedAt", "must not be before the agreement was signed")
		}
		var id int64
		err = tx.QueryRow(ctx, `INSERT INTO mediation.follow_up (agreement_id, visited_at, visitor, performance, satisfaction, new_risk)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, agreement, in.VisitedAt, in.Visitor, in.Performance, in.Satisfaction, in.NewRisk).Scan(&id)
		if err != nil {
			return nil, fmt.Errorf("insert follow-up: %w", err)
		}
		return workflow.Result{"followUp": id, "agreement": agreement}, nil
	})
}

// applyForJudicialConfirmation moves an agreement's judicial confirmation from NONE to APPLIED.
func (r *mutationResolver) applyForJudicialConfirmation(ctx context.Context, in model.ApplyForJudicialConfirmationInput) (workflow.Result, error) {
	agreement, err := pk("agreementId", "Agreement", in.AgreementID)
	if err != nil {
		return nil, err
	}
	return r.run(ctx, "applyForJudicialConfirmation", in.IdempotencyKey, in, func(ctx context.Context, tx pgx.Tx) (workflow.Result, error) {
		if err := inScope(ctx, tx, "agreementId", "mediation.agreement", access.Agreements, &agreement); err != nil {
			return nil, err
		}
		var state string
		var dispute int64
		err := workflow.LockVersion(ctx, tx, "mediation.agreement", "agreement", agreement, in.Version, "judicial_confirmation, dispute_id", &state, &dispute)
		if errors.Is(err, apierr.ErrNotFound) {
			return nil, &workflow.NotFoundError{Field: "agreementId", What: "agreement"}
		}
		if err != nil {
			return nil, err
		}
		if state != "NONE" {
			return nil, &workflow.TransitionError{Workflow: "judicial confirmation", From: state, To: "APPLIED"}
		}
		if _, err := tx.Exec(ctx, "UPDATE mediation.agreement SET judicial_confirmation = 'APPLIED', version = version + 1 WHERE id = $1", agreement); err != nil {
			return nil, fmt.Errorf("apply for confirmation: %w", err)
		}
		return workflow.Result{"agreement": agreement, "dispute": dispute}, nil
	})
}

// registerDispute registers a dispute brought directly to a committee, with its parties.
func (r *mutationResolver) registerDispute(ctx context.Context, in model.RegisterDisputeInput) (workflow.Result, error) {
	committee, err := pk("committeeId", "Committee", in.CommitteeID)
	if err != nil {
		return nil, err
	}
	grid, err := optPK("gridId", "Grid", in.GridID)
	if err != nil {
		return nil, err
	}
	estate, err := optPK("estateId", "Estate", in.EstateID)
	if err != nil {
		return nil, err
	}
	var v validate.V
	v.Text("summary", in.Summary, 1, 2000)
	v.Check(in.Amount == nil || (*in.Amount >= 0 && *in.Amount <= 1e12), "amount", "must be between 0 and 1,000,000,000,000")
	v.Check(len(in.Parties) <= 50, "parties", "at most 50 parties")
	persons := make([]int64, len(in.Parties))
	sides := make([]string, len(in.Parties))
	seen := map[int64]bool{}
	applicant := false
	for i, p := range in.Parties {
		id, err := pk(fmt.Sprintf("parties[%d].personId", i), "Person", p.PersonID)
		if err != nil {
			return nil, err
		}
		v.Check(!seen[id], fmt.Sprintf("parties[%d].personId", i), "names a person twice")
		seen[id], persons[i], sides[i] = true, id, p.Side
		applicant = applicant || p.Side == "APPLICANT"
	}
	v.Check(applicant, "parties", "must include an APPLICANT")
	if err := v.Err(); err != nil {
		return nil, err
	}
	return r.run(ctx, "registerDispute", in.IdempotencyKey, in, func(ctx context.Context, tx pgx.Tx) (workflow.Result, error) {
		if p := auth.FromContext(ctx); p.Role == auth.Mediator && !slices.Contains(p.Scope.CommitteeIDs, committee) {
			return nil, &access.ForbiddenError{Message: "committeeId: a mediator registers disputes with their own committee"}
		}
		if err := mustExist(ctx, tx, "mediation.committee", &committee, "committeeId", "committee"); err != nil {
			return nil, err
		}
		if err := checkGridEstate(ctx, tx, grid, estate); err != nil {
			return nil, err
		}
		var known int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM street.person WHERE id = ANY($1)", persons).Scan(&known); err != nil {
			return nil, fmt.Errorf("check parties: %w", err)
		}
		if known != len(persons) {
			return nil, &workflow.NotFoundError{Field: "parties", What: "person"}
		}
		id, err := insertDispute(ctx, tx, newDispute{committee: committee, source: in.Source, grid: grid, estate: estate,
			category: in.Category, difficulty: in.Difficulty, summary: in.Summary})
		if err != nil {
			return nil, err
		}
		if in.Amount != nil {
			if _, err := tx.Exec(ctx, "UPDATE mediation.dispute SET amount = $2 WHERE id = $1", id, *in.Amount); err != nil {
				return nil, fmt.Errorf("record amount: %w", err)
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO mediation.dispute_party (dispute_id, person_id, side)
			SELECT $1, p, s FROM unnest($2::bigint[], $3::text[]) AS x(p, s)`, id, persons, sides)
		if err != nil {
			return nil, fmt.Errorf("insert parties: %w", err)
		}
		return workflow.Result{"dispute": id}, nil
	})
}
