package events

import (
	"context"
	"fmt"

	"civiclink/db/obligation"
	"civiclink/internal/clock"

	"github.com/jackc/pgx/v5"
)

// Kinds of deadline reminder raised by ScanDeadlines.
const (
	// ResponseOverdue: a response deadline passed unanswered (police not on the scene of a
	// case by CASE_ON_SCENE, no grid worker on the spot of a HIGH or CRITICAL grid event by
	// GRID_EVENT_RESPONSE_<urgency>, a dispute not accepted by DISPUTE_FIRST_CONTACT).
	ResponseOverdue = "RESPONSE_OVERDUE"
	// DueOverdue: a grid event still open past its due time (GRID_EVENT_DUE_<urgency>).
	DueOverdue = "DUE_OVERDUE"
	// FollowUpOverdue: a mediated agreement became a live obligation (past its performance
	// deadline and the grace of AGREEMENT_FOLLOW_UP, not performed, not visited since); its
	// subject is the dispute, which the grid worker to remind may read.
	FollowUpOverdue = "FOLLOW_UP_OVERDUE"
)

// deadlinesSQL finds the records whose deadline passed before $4 (agreements: by the day $7)
// and writes one reminder
// each to the outbox, unless one was written before (dedupe_key). The deadline of each is
// that of the rule version in force when its clock started (received, reported), the same
// version urgentQueue and responseStats apply; the reminder names it (ruleId) and goes to
// whom it says (remind).
var deadlinesSQL = `
	WITH due AS (
		SELECT $1::text AS kind, 'Case' AS entity_type, c.id, c.grid_id, c.station_id, r.id AS rule_id, r.remind,
			'response-overdue:Case:' || c.id AS key
		FROM police."case" c JOIN hub.rule r ON r.id = hub.rule_in_force('CASE_ON_SCENE', c.received_at)
		WHERE c.on_scene_at IS NULL AND c.closed_at IS NULL AND c.status IN ('RECEIVED', 'DISPATCHED')
			AND c.received_at + make_interval(mins => r.deadline_minutes) < $4
		UNION ALL
		SELECT $1, 'GridEvent', e.id, e.grid_id, NULL::bigint, r.id, r.remind, 'response-overdue:GridEvent:' || e.id
		FROM street.grid_event e JOIN hub.rule r ON r.id = hub.rule_in_force('GRID_EVENT_RESPONSE_' || e.urgency, e.reported_at)
		WHERE e.responded_at IS NULL AND e.closed_at IS NULL AND e.urgency IN ('HIGH', 'CRITICAL')
			AND e.status IN ('REPORTED', 'FILED', 'DISPATCHED')
			AND e.reported_at + make_interval(mins => r.deadline_minutes) < $4
		UNION ALL
		SELECT $1, 'Dispute', d.id, d.grid_id, NULL::bigint, r.id, r.remind, 'response-overdue:Dispute:' || d.id
		FROM mediation.dispute d JOIN hub.rule r ON r.id = hub.rule_in_force('DISPUTE_FIRST_CONTACT', d.received_at)
		WHERE d.first_contact_at IS NULL AND d.closed_at IS NULL AND d.status = 'RECEIVED'
			AND d.received_at + make_interval(mins => r.deadline_minutes) < $4
		UNION ALL
		SELECT $2::text, 'GridEvent', e.id, e.grid_id, NULL::bigint, r.id, r.remind, 'due-overdue:GridEvent:' || e.id
		FROM street.grid_event e JOIN hub.rule r ON r.id = hub.rule_in_force('GRID_EVENT_DUE_' || e.urgency, e.reported_at)
		WHERE e.closed_at IS NULL AND e.status NOT IN ('CANCELLED', 'CLOSED', 'CONVERTED')
			AND coalesce(e.due_at, e.reported_at + make_interval(mins => r.deadline_minutes)) < $4
		UNION ALL
		SELECT $6::text, 'Dispute', d.id, d.grid_id, NULL::bigint, r.id, r.remind,
			'follow-up-overdue:Agreement:' || a.id || ':' || a.performance_deadline
		FROM mediation.agreement a JOIN mediation.dispute d ON d.id = a.dispute_id
		JOIN hub.rule r ON r.id = hub.rule_in_force('AGREEMENT_FOLLOW_UP', a.performance_deadline::timestamp AT TIME ZONE '` + clock.ZoneName + `')
		WHERE ` + followUpOverdue + `
	), locked AS (
		SELECT pg_advisory_xact_lock($5) -- ids in commit order (OutboxLock)
	), next AS (
		SELECT due.*, nextval(pg_get_serial_sequence('hub.outbox', 'id')) AS oid FROM due CROSS JOIN locked
		WHERE NOT EXISTS (SELECT 1 FROM hub.outbox o WHERE o.dedupe_key = due.key)
	)
	INSERT INTO hub.outbox (id, topic, payload, grid_id, station_id, entity_type, entity_id, dedupe_key)
	SELECT oid, kind, jsonb_strip_nulls(jsonb_build_object('id', oid, 'kind', kind, 'at', now(), 'entityType', entity_type,
		'entityId', next.id, 'gridId', next.grid_id, 'stationId', next.station_id, 'actor', $3::text,
		'ruleId', next.rule_id, 'remind', next.remind)),
		grid_id, station_id, entity_type, next.id, key FROM next
	ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
	RETURNING id, topic, created_at, entity_type, entity_id, grid_id, station_id, (payload->>'ruleId')::bigint, payload->>'remind'`

// followUpOverdue is the condition of a live obligation on the office's today ($7), as the
// overdueAgreements list has it.
var followUpOverdue = obligation.Live("a", "d", "$7::date")

// ScanDeadlines raises a reminder for every open record whose response or due deadline has
// passed by the clock of ctx (clock.Now) and has had none yet: RESPONSE_OVERDUE for a case
// the police are not on the scene of, a HIGH or CRITICAL grid event no grid worker answered,
// a dispute not accepted; DUE_OVERDUE for a grid event still open past its due time;
// FOLLOW_UP_OVERDUE for a mediated agreement that became a live obligation on the office's
// today (clock.Today), about its dispute, once per performance deadline. Each
// names the rule version in force when the record's clock started (RuleID), the one whose
// deadline passed, and goes to whom that version says (Remind): a version published with
// another deadline or recipient changes the reminders of records from its validity on, not
// before. Like ScanOverdueMeasures it runs in one transaction under the scan lock (one
// instance of the cluster at a time; the others return 0 at once), and each record is
// reminded once per deadline.
func ScanDeadlines(ctx context.Context, db Beginner) (int, error) {
	var found []Event
	err := locked(ctx, db, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, deadlinesSQL, ResponseOverdue, DueOverdue, deadlineActor, clock.Now(ctx), OutboxLock,
			FollowUpOverdue, clock.Today(ctx))
		if err != nil {
			return err
		}
		found, err = announce(ctx, tx, rows, func(row pgx.CollectableRow) (Event, error) {
			e := Event{Actor: deadlineActor}
			return e, row.Scan(&e.ID, &e.Kind, &e.At, &e.EntityType, &e.EntityID, &e.GridID, &e.StationID, &e.RuleID, &e.Remind)
		})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("scan passed deadlines: %w", err)
	}
	return len(found), nil
}

const deadlineActor = "system:deadline-scan"
