// Package events carries workflow events from the transaction that causes them to every
// subscriber of every hub process: Emit writes an event to the hub.outbox table and
// notifies in the same transaction, so it is delivered if and only if the change commits;
// each process's Broker listens on PostgreSQL LISTEN/NOTIFY and fans events out to its
// GraphQL subscriptions.
package events

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"civiclink/db/store"
)

// Channel is the NOTIFY channel of workflow events.
const Channel = "civiclink_events"

// Kinds of event.
const (
	CaseRegistered       = "CASE_REGISTERED"
	CaseReferred         = "CASE_REFERRED"
	CaseStatusChanged    = "CASE_STATUS_CHANGED"
	DisputeStatusChanged = "DISPUTE_STATUS_CHANGED"
	GridEventReported    = "GRID_EVENT_REPORTED"
	GridEventConverted   = "GRID_EVENT_CONVERTED"
	RiskItemRaisedHigh   = "RISK_ITEM_RAISED_HIGH"
	MeasureOverdue       = "MEASURE_OVERDUE"
)

// Event is one workflow event.
type Event struct {
	ID         int64     `json:"id"`
	Kind       string    `json:"kind"`
	At         time.Time `json:"at"`
	EntityType string    `json:"entityType"`
	EntityID   int64     `json:"entityId"`
	GridID     *int64    `json:"gridId,omitempty"`
	StationID  *int64    `json:"stationId,omitempty"`
	FromStatus *string   `json:"fromStatus,omitempty"`
	ToStatus   *string   `json:"toStatus,omitempty"`
	Actor      string    `json:"actor"`
	// RuleID is, for a reminder (MEASURE_OVERDUE, RESPONSE_OVERDUE, DUE_OVERDUE,
	// FOLLOW_UP_OVERDUE), the rule version in force that raised it.
	RuleID *int64 `json:"ruleId,omitempty"`
	// Remind is, for a reminder, whom it goes to: that rule version's remind.
	Remind *string `json:"remind,omitempty"`
	// Urgency is, for GRID_EVENT_REPORTED, the new grid event's urgency.
	Urgency *string `json:"urgency,omitempty"`
}

// OutboxLock is the transaction-level advisory lock every writer of the outbox takes before
// it draws an outbox id, and holds until it commits: so outbox ids are committed in
// increasing order, and a subscriber that resumes after the last id it received (or the
// broker, after the newest it heard) can miss no event that committed later with a lower
// id. Before, two transactions could commit in the opposite order of their ids, and a
// client resuming after the higher lost the lower.
const OutboxLock int64 = 0x636c6b5f6f757462 // "clk_outb"

// Emit writes e to the outbox and notifies listeners, inside tx: the notification is
// delivered when tx commits and never if it rolls back. The stored payload carries the
// event's outbox id and time (the id is drawn before the row is written), so an event read
// back from the outbox is the event announced. It takes OutboxLock: transactions that emit
// commit one after another from their first event on.
func Emit(ctx context.Context, tx store.Querier, e Event) error {
	payload, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode event: %w", err)
	}
	var stored []byte
	err = tx.QueryRow(ctx, `WITH locked AS (SELECT pg_advisory_xact_lock($7)),
		next AS (SELECT nextval(pg_get_serial_sequence('hub.outbox', 'id')) AS id, now() AS at FROM locked)
		INSERT INTO hub.outbox (id, topic, payload, grid_id, station_id, entity_type, entity_id, created_at)
		SELECT next.id, $1, $2::jsonb || jsonb_build_object('id', next.id, 'at', next.at), $3, $4, $5, $6, next.at FROM next
		RETURNING payload`,
		e.Kind, payload, e.GridID, e.StationID, e.EntityType, e.EntityID, OutboxLock).Scan(&stored)
	if err != nil {
		return fmt.Errorf("write %s event to outbox: %w", e.Kind, err)
	}
	if err := json.Unmarshal(stored, &e); err != nil {
		return fmt.Errorf("decode stored event: %w", err)
	}
	return notify(ctx, tx, e)
}

func notify(ctx context.Context, q store.Querier, e Event) error {
	msg, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode event: %w", err)
	}
	if _, err := q.Exec(ctx, "SELECT pg_notify($1, $2)", Channel, string(msg)); err != nil {
		return fmt.Errorf("notify %s event: %w", e.Kind, err)
	}
	return nil
}
