package events

import (
	"context"
	"fmt"
	"time"

	"civiclink/internal/clock"

	"github.com/jackc/pgx/v5"
)

// DefaultRetention is how long outbox rows are kept: long enough for any client to resume
// a subscription after an outage, short enough that the table stays small. Rows that
// deduplicate scheduled announcements (dedupe_key) are kept, so nothing is announced twice.
const DefaultRetention = 7 * 24 * time.Hour

// scanLock is the transaction-level advisory lock a scheduled scan holds: one instance of
// the cluster scans at a time, the others skip that round.
const scanLock int64 = 0x636c6b5f7363616e // "clk_scan"

// Beginner starts transactions (a pool).
type Beginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// ScanOverdueMeasures emits a MEASURE_OVERDUE reminder for every measure that is past its due
// day (plus the days of grace of the MEASURE_OVERDUE rule in force on it) and not done and
// has had none for that due day yet ("past" by the office's calendar, clock.Today of ctx, not
// the database server's date). Each names that rule version (RuleID) and goes to whom it
// says (Remind), so a version published with another recipient redirects the reminders of
// duties from its validity on. It runs in one transaction that
// holds an advisory lock, so one instance of the cluster scans at a time (the others return
// 0 at once) and the outbox rows and their notifications commit together or not at all.
func ScanOverdueMeasures(ctx context.Context, db Beginner) (int, error) {
	var found []Event
	err := locked(ctx, db, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			WITH due AS (
				SELECT m.id, r.grid_id, 'measure-overdue:' || m.id || ':' || m.due_on AS key, rule.id AS rule_id, rule.remind
				FROM risk.measure m JOIN risk.risk_item r ON r.id = m.risk_item_id
				LEFT JOIN hub.rule rule ON rule.id = hub.rule_in_force('MEASURE_OVERDUE', m.due_on::timestamp AT TIME ZONE '`+clock.ZoneName+`')
				WHERE m.status <> 'DONE' AND m.due_on + hub.rule_days('MEASURE_OVERDUE', m.due_on) < $4::date
			), locked AS (
				SELECT pg_advisory_xact_lock($3) -- ids in commit order (OutboxLock)
			), next AS (
				SELECT due.*, nextval(pg_get_serial_sequence('hub.outbox', 'id')) AS oid FROM due CROSS JOIN locked
				WHERE NOT EXISTS (SELECT 1 FROM hub.outbox o WHERE o.dedupe_key = due.key)
			)
			INSERT INTO hub.outbox (id, topic, payload, grid_id, entity_type, entity_id, dedupe_key)
			SELECT oid, $1, jsonb_build_object('id', oid, 'kind', $1::text, 'at', now(), 'entityType', 'Measure',
				'entityId', next.id, 'gridId', next.grid_id, 'actor', $2::text, 'ruleId', next.rule_id, 'remind', next.remind),
				grid_id, 'Measure', next.id, key FROM next
			ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
			RETURNING id, created_at, grid_id, entity_id, (payload->>'ruleId')::bigint, payload->>'remind'`, MeasureOverdue, scanActor, OutboxLock, clock.Today(ctx))
		if err != nil {
			return err
		}
		found, err = announce(ctx, tx, rows, func(row pgx.CollectableRow) (Event, error) {
			e := Event{Kind: MeasureOverdue, EntityType: "Measure", Actor: scanActor}
			return e, row.Scan(&e.ID, &e.At, &e.GridID, &e.EntityID, &e.RuleID, &e.Remind)
		})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("scan overdue measures: %w", err)
	}
	return len(found), nil
}

const scanActor = "system:overdue-scan"

// PruneOutbox deletes outbox rows older than retention (0 = DefaultRetention), except those
// that deduplicate scheduled announcements, under the scan lock; it returns how many.
func PruneOutbox(ctx context.Context, db Beginner, retention time.Duration) (int64, error) {
	if retention <= 0 {
		retention = DefaultRetention
	}
	var n int64
	err := locked(ctx, db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM hub.outbox WHERE created_at < now() - make_interval(secs => $1) AND dedupe_key IS NULL`, retention.Seconds())
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune the outbox: %w", err)
	}
	return n, nil
}

// locked runs f in a transaction holding the scan lock; when another instance holds it,
// f does not run and locked returns nil.
func locked(ctx context.Context, db Beginner, f func(tx pgx.Tx) error) error {
	tx, err := db.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	var got bool
	if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, scanLock).Scan(&got); err != nil {
		return err
	}
	if !got {
		return nil
	}
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// announce collects the outbox rows a scan inserted, each read by scan, and notifies each in
// the scan's transaction, so the rows and their notifications commit together or not at all.
func announce(ctx context.Context, tx pgx.Tx, rows pgx.Rows, scan pgx.RowToFunc[Event]) ([]Event, error) {
	found, err := pgx.CollectRows(rows, scan)
	if err != nil {
		return nil, err
	}
	for _, e := range found {
		if err := notify(ctx, tx, e); err != nil {
			return nil, err
		}
	}
	return found, nil
}
