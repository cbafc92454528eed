package events

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"civiclink/db/store"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgxlisten"
)

// SubscriberBuffer is how many undelivered events a subscriber may fall behind by before
// further events are dropped for it (and logged).
const SubscriberBuffer = 64

// Filter selects the events a subscriber receives; empty fields match everything.
type Filter struct {
	GridID    *int64
	StationID *int64
	Kinds     []string
}

func (f Filter) matches(e Event) bool {
	if f.GridID != nil && (e.GridID == nil || *e.GridID != *f.GridID) {
		return false
	}
	if f.StationID != nil && (e.StationID == nil || *e.StationID != *f.StationID) {
		return false
	}
	return len(f.Kinds) == 0 || slices.Contains(f.Kinds, e.Kind)
}

type subscriber struct {
	filter Filter
	ch     chan Event
}

// Broker delivers the events this process hears to its subscribers.
type Broker struct {
	logger *slog.Logger
	mu     sync.Mutex
	subs   map[*subscriber]struct{}
	ready  chan struct{}
	once   sync.Once
}

// NewBroker returns a broker; call Run to start listening.
func NewBroker(logger *slog.Logger) *Broker {
	return &Broker{logger: logger, subs: map[*subscriber]struct{}{}, ready: make(chan struct{})}
}

// Ready is closed once the broker listens for the first time.
func (b *Broker) Ready() <-chan struct{} { return b.ready }

// Run listens for events until ctx ends, reconnecting after database outages; connect must
// return a connection for the broker's exclusive use.
func (b *Broker) Run(ctx context.Context, connect func(ctx context.Context) (*pgx.Conn, error)) error {
	l := &pgxlisten.Listener{
		Connect:        connect,
		ReconnectDelay: time.Second,
		LogError: func(ctx context.Context, err error) {
			b.logger.WarnContext(ctx, "event listener", "err", err)
		},
	}
	l.Handle(Channel, b)
	err := l.Listen(ctx)
	if ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("listen for events: %w", err)
}

// HandleBacklog implements pgxlisten.BacklogHandler: it is called once LISTEN is active.
func (b *Broker) HandleBacklog(context.Context, string, *pgx.Conn) error {
	b.once.Do(func() { close(b.ready) })
	return nil
}

// HandleNotification implements pgxlisten.Handler.
func (b *Broker) HandleNotification(ctx context.Context, n *pgconn.Notification, _ *pgx.Conn) error {
	var e Event
	if err := json.Unmarshal([]byte(n.Payload), &e); err != nil {
		return fmt.Errorf("decode event %q: %w", n.Payload, err)
	}
	b.Publish(ctx, e)
	return nil
}

// Publish hands e to every matching subscriber of this process without blocking.
func (b *Broker) Publish(ctx context.Context, e Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		if !s.filter.matches(e) {
			continue
		}
		select {
		case s.ch <- e:
		default:
			b.logger.WarnContext(ctx, "subscriber too slow: event dropped", "kind", e.Kind, "event", e.ID)
		}
	}
}

// Subscribe returns the events matching f until ctx ends, when the channel is closed.
func (b *Broker) Subscribe(ctx context.Context, f Filter) <-chan Event {
	s := &subscriber{filter: f, ch: make(chan Event, SubscriberBuffer)}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	go func() {
		<-ctx.Done()
		b.mu.Lock()
		delete(b.subs, s)
		close(s.ch)
		b.mu.Unlock()
	}()
	return s.ch
}

// ScanOverdueMeasures emits a MEASURE_OVERDUE event for every measure that is past its due
// day (plus the days of grace of the MEASURE_OVERDUE rule in force on it) and not done and has had none for that due day yet. Several processes may scan at
// once: the outbox's dedupe key lets each event be written once.
func ScanOverdueMeasures(ctx context.Context, db store.Querier) (int, error) {
	rows, err := db.Query(ctx, `
		WITH due AS (
			SELECT m.id, r.grid_id, m.status, 'measure-overdue:' || m.id || ':' || m.due_on AS key
			FROM risk.measure m JOIN risk.risk_item r ON r.id = m.risk_item_id
			WHERE m.status <> 'DONE' AND m.due_on + hub.rule_days('MEASURE_OVERDUE', m.due_on) < current_date
		)
		INSERT INTO hub.outbox (topic, payload, grid_id, entity_type, entity_id, dedupe_key)
		SELECT $1, '{}', due.grid_id, 'Measure', due.id, due.key FROM due
		ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
		RETURNING id, created_at, grid_id, entity_id`, MeasureOverdue)
	if err != nil {
		return 0, fmt.Errorf("scan overdue measures: %w", err)
	}
	var found []Event
	for rows.Next() {
		e := Event{Kind: MeasureOverdue, EntityType: "Measure", Actor: "system:overdue-scan"}
		if err := rows.Scan(&e.ID, &e.At, &e.GridID, &e.EntityID); err != nil {
			rows.Close()
			return 0, fmt.Errorf("scan overdue measures: %w", err)
		}
		found = append(found, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("scan overdue measures: %w", err)
	}
	for _, e := range found {
		if err := notify(ctx, db, e); err != nil {
			return 0, err
		}
	}
	return len(found), nil
}

// Subscribers returns how many subscriptions this process serves.
func (b *Broker) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}
