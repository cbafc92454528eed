package events_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"civiclink/db/store"
	"civiclink/internal/auth"
	"civiclink/internal/events"
	"civiclink/internal/hubtest"

	"github.com/jackc/pgx/v5"
)

// insertOutbox writes n outbox rows about one seeded case in one statement, without
// notifying, and returns the first and last ids.
func insertOutbox(t *testing.T, hub *hubtest.Hub, n int) (first, last int64) {
	t.Helper()
	ctx := auth.WithSystem(context.Background())
	if err := hub.Pool.QueryRow(ctx, `WITH c AS (SELECT id FROM police."case" ORDER BY id LIMIT 1),
		ins AS (
			INSERT INTO hub.outbox (topic, payload, entity_type, entity_id)
			SELECT 'CASE_STATUS_CHANGED', '{"actor": "test:bulk"}', 'Case', c.id FROM c, generate_series(1, $1)
			RETURNING id)
		SELECT min(id), max(id) FROM ins`, n).Scan(&first, &last); err != nil {
		t.Fatal(err)
	}
	return first, last
}

// drain reads sub until it ends or stays quiet for quiet, and returns the ids received.
func drain(t *testing.T, sub *events.Subscription, quiet time.Duration) (ids []int64, ended bool) {
	t.Helper()
	for {
		select {
		case e, ok := <-sub.Events():
			if !ok {
				return ids, true
			}
			ids = append(ids, e.ID)
		case <-time.After(quiet):
			return ids, false
		}
	}
}

// TestWaitingEventsReceivedTogether: events that wait for a busy subscriber are handed over
// at once, so the subscription decides their visibility in one statement per batch; before,
// the subscription's channel was unbuffered, a receiver found one event each time, and a
// subscriber behind by a thousand events made a thousand visibility queries (the soak's
// subscribers fell behind for good so).
func TestWaitingEventsReceivedTogether(t *testing.T) {
	t.Parallel()
	broker := events.NewBroker(slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sub := broker.Subscribe(ctx, events.Filter{}, 0, nil)
	for i := range events.DeliveryBatch {
		broker.Publish(ctx, events.Event{ID: int64(1 + i), Kind: events.CaseStatusChanged, At: time.Now()})
	}
	// The receiver was busy meanwhile; now it takes what is waiting without blocking.
	deadline := time.Now().Add(10 * time.Second)
	for len(sub.Events()) < events.DeliveryBatch && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := len(sub.Events()); got != events.DeliveryBatch {
		t.Fatalf("%d events waiting to be received together, want all %d published", got, events.DeliveryBatch)
	}
}

// flaky is a database whose first fails queries fail, as a restarting one does.
type flaky struct {
	store.Querier
	fails atomic.Int32
}

func (f *flaky) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if f.fails.Add(-1) >= 0 {
		return nil, errors.New("the database system is starting up")
	}
	return f.Querier.Query(ctx, sql, args...)
}

// TestResumeRetriesTheReplay: a subscription resumed while the database cannot answer (just
// restarted) reads the outbox again until it can, and delivers every event after the id it
// resumed from; before, the failed replay was logged and the subscription went on live only,
// losing the events between that id and the first live one.
func TestResumeRetriesTheReplay(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, b := emit(t, hub), emit(t, hub)
	db := &flaky{Querier: hub.Pool}
	db.fails.Store(2)
	sub := hub.Events.Subscribe(ctx, events.Filter{}, a-1, db)
	live := emit(t, hub)
	for _, want := range []int64{a, b, live} {
		if e := next(t, sub); e.ID != want {
			t.Fatalf("resumed stream: event %d, want %d (the replay tried again, then live)", e.ID, want)
		}
	}
}

// TestResumeBeforeTheBrokerListens: a subscription resumed on a hub whose broker does not
// listen yet (a hub just started; clients reconnect at once) reads the outbox only once the
// broker listens, so an event committed in between is delivered; before, it was in neither
// the replay nor the live stream.
func TestResumeBeforeTheBrokerListens(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	before := emit(t, hub)
	broker := events.NewBroker(slog.New(slog.NewTextHandler(io.Discard, nil)))
	sub := broker.Subscribe(ctx, events.Filter{}, before-1, hub.Pool)
	time.Sleep(100 * time.Millisecond) // the subscription is served; the broker does not listen
	between := emit(t, hub)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = broker.Run(ctx, func(ctx context.Context) (*pgx.Conn, error) { return pgx.Connect(ctx, hub.URL) })
	}()
	defer func() { cancel(); <-done }()
	<-broker.Ready()
	after := emit(t, hub)
	for _, want := range []int64{before, between, after} {
		if e := next(t, sub); e.ID != want {
			t.Fatalf("resumed stream: event %d, want %d (in order, none missing)", e.ID, want)
		}
	}
}

// TestResumeBeyondMaxReplay: a client resuming more than MaxReplay events back gets
// MaxReplay of them and then TooSlow naming the last, from which it resumes again, and so
// gets every event; before, the stream went on live after the first MaxReplay and the
// events between were never sent.
func TestResumeBeyondMaxReplay(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first, last := insertOutbox(t, hub, events.MaxReplay+5)
	want := first
	for after := first - 1; want <= last; {
		sub := hub.Events.Subscribe(ctx, events.Filter{}, after, hub.Pool)
		ids, ended := drain(t, sub, 3*time.Second)
		for _, id := range ids {
			if id != want {
				t.Fatalf("resumed after %d: event %d, want %d (in order, none missing)", after, id, want)
			}
			want++
		}
		if want > last {
			break
		}
		var slow *events.TooSlow
		if !ended || !errors.As(sub.Err(), &slow) {
			t.Fatalf("resumed after %d: %d events, then the stream stayed open (ended %v, %v) with events %d..%d never sent; want TooSlow naming the last sent", after, len(ids), ended, sub.Err(), want, last)
		}
		if slow.LastID != want-1 {
			t.Fatalf("TooSlow names %d, want the last event sent, %d", slow.LastID, want-1)
		}
		after = slow.LastID
	}
}
