package events

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"civiclink/db/store"
	"civiclink/internal/auth"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgxlisten"
)

const (
	// SubscriberBuffer is how many undelivered events a subscriber may fall behind by; one
	// further event ends its subscription with a TooSlow error naming the last id it got.
	SubscriberBuffer = 1024
	// ReplayWindow is how far before the newest event it heard the broker reads the outbox
	// again after its listener reconnects: events committed while it was away, and events
	// that committed late (a lower id after a higher one) are delivered then, once each.
	ReplayWindow = time.Minute
	// MaxReplay is the most events one resumed subscription is sent from the outbox.
	MaxReplay = 10000
	// DeliveryBatch is how many events a subscription's channel holds: a receiver busy with
	// one batch finds up to this many waiting, to decide their visibility together.
	DeliveryBatch = 256
)

// Filter selects the events a subscriber receives; empty fields match everything.
type Filter struct {
	GridID    *int64
	StationID *int64
	Kinds     []string
	// Remind keeps only reminders to one of these recipients (a rule's remind).
	Remind []string
}

func (f Filter) matches(e Event) bool {
	if f.GridID != nil && (e.GridID == nil || *e.GridID != *f.GridID) {
		return false
	}
	if f.StationID != nil && (e.StationID == nil || *e.StationID != *f.StationID) {
		return false
	}
	if len(f.Remind) > 0 && (e.Remind == nil || !slices.Contains(f.Remind, *e.Remind)) {
		return false
	}
	return len(f.Kinds) == 0 || slices.Contains(f.Kinds, e.Kind)
}

// TooSlow ends a subscription whose subscriber fell SubscriberBuffer events behind. It
// names the last event delivered, from which the client resumes.
type TooSlow struct {
	LastID int64
}

func (e *TooSlow) Error() string {
	return fmt.Sprintf("the subscriber fell more than %d events behind; resume after event %d", SubscriberBuffer, e.LastID)
}

// ErrorCode is the error's extensions.code.
func (e *TooSlow) ErrorCode() string { return "SUBSCRIBER_TOO_SLOW" }

// ErrorExtensions names the last event delivered (lastId) for the client to resume after.
func (e *TooSlow) ErrorExtensions() map[string]any {
	return map[string]any{"lastId": fmt.Sprint(e.LastID)}
}

// replayPage is how many events a resumed subscription reads from the outbox at a time:
// it holds one page while sending it, not its whole backlog.
const replayPage = 4 * DeliveryBatch

// replayRetry is how long a resumed subscription waits before reading the outbox again
// after the read failed (the database restarting).
const replayRetry = 500 * time.Millisecond

// Subscription is one subscriber's stream of events.
type Subscription struct {
	filter Filter
	out    chan Event

	mu       sync.Mutex
	queue    []Event
	wake     chan struct{}
	err      error
	overflow bool  // the queue overflowed: the stream ends after what is queued
	last     int64 // id of the last event handed to out
	// replayedTo is the highest outbox id read from the outbox on resuming: an event heard
	// up to it is in the replay (ids commit in increasing order, see OutboxLock) and is
	// neither queued nor sent again.
	replayedTo int64
}

// Events are the subscription's events, in the order the broker heard them; the channel is
// closed when the subscription ends (Err says why, nil when its context ended). It holds up
// to DeliveryBatch events: a receiver that was busy takes those waiting together.
func (s *Subscription) Events() <-chan Event { return s.out }

// Err is what ended the subscription (a *TooSlow), or nil.
func (s *Subscription) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// offer queues e without blocking; a full queue ends the subscription with TooSlow.
func (s *Subscription) offer(e Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.overflow || !s.filter.matches(e) || (s.replayedTo > 0 && e.ID <= s.replayedTo) {
		return
	}
	if len(s.queue) >= SubscriberBuffer {
		// The events already queued are still delivered; then the stream ends (pump).
		s.overflow = true
	} else {
		s.queue = append(s.queue, e)
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// pump hands the replayed events, then queued ones, to out until ctx ends or the
// subscription fails. A replay waits until listening (closed once the broker listens), so
// that an event committed after the replay's read is heard live, and is read again until
// it succeeds. A replay of MaxReplay events ends the stream after them with TooSlow: the
// client resumes from there, not from the live events after a gap.
func (s *Subscription) pump(ctx context.Context, listening <-chan struct{}, replay func(ctx context.Context, after int64, limit int) ([]Event, error), logger *slog.Logger) {
	defer func() {
		s.mu.Lock()
		if s.overflow {
			s.err = &TooSlow{LastID: s.last}
		}
		s.mu.Unlock()
		close(s.out)
	}()
	send := func(e Event) bool {
		select {
		case s.out <- e:
			s.mu.Lock()
			s.last = max(s.last, e.ID)
			s.mu.Unlock()
			return true
		case <-ctx.Done():
			return false
		}
	}
	if replay != nil {
		select {
		case <-listening:
		case <-ctx.Done():
			return
		}
		for total := 0; ; {
			limit := min(replayPage, MaxReplay-total)
			page, err := replay(ctx, s.replayedTo, limit)
			for err != nil {
				logger.WarnContext(ctx, "replay events for a resumed subscription; retrying", "err", err)
				select {
				case <-time.After(replayRetry):
				case <-ctx.Done():
					return
				}
				page, err = replay(ctx, s.replayedTo, limit)
			}
			if len(page) > 0 {
				// The queued events the replay holds are dropped now, and those heard from
				// now on not queued: they do not count against the subscriber's buffer.
				s.mu.Lock()
				s.replayedTo = page[len(page)-1].ID
				s.queue = slices.DeleteFunc(s.queue, func(e Event) bool { return e.ID <= s.replayedTo })
				s.mu.Unlock()
			}
			for _, e := range page {
				if s.filter.matches(e) && !send(e) {
					return
				}
			}
			if total += len(page); len(page) < limit {
				break // caught up with the outbox
			}
			if total >= MaxReplay {
				s.mu.Lock()
				s.overflow, s.last, s.queue = true, max(s.last, s.replayedTo), nil
				s.mu.Unlock()
				return
			}
		}
	}
	for {
		s.mu.Lock()
		if s.overflow && len(s.queue) == 0 {
			s.mu.Unlock()
			return
		}
		var next []Event
		next, s.queue = s.queue, nil
		s.mu.Unlock()
		for _, e := range next {
			if !send(e) {
				return
			}
		}
		if len(next) > 0 {
			continue
		}
		select {
		case <-s.wake:
		case <-ctx.Done():
			return
		}
	}
}

// Broker delivers the events this process hears to its subscribers.
type Broker struct {
	logger *slog.Logger
	mu     sync.Mutex
	subs   map[*Subscription]struct{}
	ready  chan struct{}
	once   sync.Once

	heard  map[int64]time.Time // ids heard within 2 × ReplayWindow of the newest
	newest time.Time           // commit time of the newest event heard
}

// NewBroker returns a broker; call Run to start listening.
func NewBroker(logger *slog.Logger) *Broker {
	return &Broker{logger: logger, subs: map[*Subscription]struct{}{}, ready: make(chan struct{}), heard: map[int64]time.Time{}}
}

// Ready is closed once the broker listens for the first time.
func (b *Broker) Ready() <-chan struct{} { return b.ready }

// Run listens for events until ctx ends, reconnecting after database outages; connect must
// return a connection for the broker's exclusive use. After each reconnect the broker
// reads the outbox back from ReplayWindow before the newest event it had heard.
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

// HandleBacklog implements pgxlisten.BacklogHandler: it is called each time LISTEN is
// active again, before any notification, and replays what the outbox holds since
// ReplayWindow before the newest event heard (nothing on the first start).
func (b *Broker) HandleBacklog(ctx context.Context, _ string, conn *pgx.Conn) error {
	b.once.Do(func() { close(b.ready) })
	b.mu.Lock()
	since := b.newest
	b.mu.Unlock()
	if since.IsZero() {
		return nil
	}
	backlog, err := ReadOutbox(ctx, conn, `created_at >= $1`, since.Add(-ReplayWindow))
	if err != nil {
		return fmt.Errorf("replay the outbox after reconnecting: %w", err)
	}
	for _, e := range backlog {
		b.Publish(ctx, e)
	}
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

// Publish hands e to every matching subscriber of this process without blocking, once: an
// event heard again (a replay after a reconnect) is not handed out twice.
func (b *Broker) Publish(_ context.Context, e Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e.ID != 0 {
		if _, dup := b.heard[e.ID]; dup {
			return
		}
		b.heard[e.ID] = e.At
		if e.At.After(b.newest) {
			b.newest = e.At
			for id, at := range b.heard {
				if b.newest.Sub(at) > 2*ReplayWindow {
					delete(b.heard, id)
				}
			}
		}
	}
	for s := range b.subs {
		s.offer(e)
	}
}

// Subscribe returns the events matching f until ctx ends. With db set, the subscription
// starts with the events after the outbox id after, read from db once the broker listens
// (again until the read succeeds), then continues live without repeating any; more than
// MaxReplay of them end the stream after MaxReplay with TooSlow, to resume from. With db
// nil it is live only.
func (b *Broker) Subscribe(ctx context.Context, f Filter, after int64, db store.Querier) *Subscription {
	s := &Subscription{filter: f, out: make(chan Event, DeliveryBatch), wake: make(chan struct{}, 1)}
	if db != nil {
		s.replayedTo = after
	}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	var replay func(ctx context.Context, after int64, limit int) ([]Event, error)
	if db != nil {
		replay = func(ctx context.Context, after int64, limit int) ([]Event, error) {
			// The outbox is the hub's: it is read as the hub, and the subscriber's own
			// access rules decide what it sees of the events.
			return ReadOutbox(auth.WithSystem(ctx), db, `id > $1 ORDER BY id LIMIT $2`, after, limit)
		}
	}
	go func() {
		s.pump(ctx, b.ready, replay, b.logger)
		b.mu.Lock()
		delete(b.subs, s)
		b.mu.Unlock()
	}()
	return s
}

// ReadOutbox reads the events of the outbox rows matching where (a trusted SQL fragment
// over the outbox's columns with bound parameters args), in id order unless where orders
// them itself.
func ReadOutbox(ctx context.Context, db store.Querier, where string, args ...any) ([]Event, error) {
	order := " ORDER BY id"
	if strings.Contains(where, "ORDER BY") {
		order = ""
	}
	rows, err := db.Query(ctx, `SELECT id, topic, payload, created_at, grid_id, station_id, entity_type, entity_id FROM hub.outbox WHERE `+where+order, args...)
	if err != nil {
		return nil, fmt.Errorf("read the outbox: %w", err)
	}
	defer rows.Close()
	var list []Event
	for rows.Next() {
		var e Event
		var payload []byte
		var entityType *string
		var entityID *int64
		if err := rows.Scan(&e.ID, &e.Kind, &payload, &e.At, &e.GridID, &e.StationID, &entityType, &entityID); err != nil {
			return nil, fmt.Errorf("read the outbox: %w", err)
		}
		var p Event
		_ = json.Unmarshal(payload, &p) // older rows may hold less; the columns are authoritative
		e.FromStatus, e.ToStatus, e.Actor = p.FromStatus, p.ToStatus, p.Actor
		if entityType != nil {
			e.EntityType = *entityType
		}
		if entityID != nil {
			e.EntityID = *entityID
		}
		list = append(list, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the outbox: %w", err)
	}
	return list, nil
}

// Subscribers returns how many subscriptions this process serves.
func (b *Broker) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}
