package events_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"civiclink/db/dbtest"
	"civiclink/internal/auth"
	"civiclink/internal/events"
	"civiclink/internal/hubtest"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// emit commits one CASE_STATUS_CHANGED event about a seeded case and returns its id.
func emit(t *testing.T, hub *hubtest.Hub) int64 {
	t.Helper()
	ctx := auth.WithSystem(context.Background())
	tx, err := hub.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	var caseID int64
	if err := tx.QueryRow(ctx, `SELECT id FROM police."case" ORDER BY id LIMIT 1`).Scan(&caseID); err != nil {
		t.Fatal(err)
	}
	if err := events.Emit(ctx, tx, events.Event{Kind: events.CaseStatusChanged, EntityType: "Case", EntityID: caseID, Actor: "test:emit"}); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := tx.QueryRow(ctx, `SELECT max(id) FROM hub.outbox`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return id
}

// next returns the subscription's next event, failing after a generous wait.
func next(t *testing.T, sub *events.Subscription) events.Event {
	t.Helper()
	select {
	case e, ok := <-sub.Events():
		if !ok {
			t.Fatalf("subscription ended (%v), want an event", sub.Err())
		}
		return e
	case <-time.After(30 * time.Second):
		t.Fatal("no event within 30 s")
	}
	return events.Event{}
}

// TestStoredEventCarriesItsID: the payload stored in the outbox names the event's own id
// and time (it said id 0).
func TestStoredEventCarriesItsID(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	id := emit(t, hub)
	stored, err := events.ReadOutbox(context.Background(), hub.Pool, `id = $1`, id)
	if err != nil {
		t.Fatal(err)
	}
	var payloadID int64
	if err := hub.Pool.QueryRow(context.Background(), `SELECT (payload->>'id')::bigint FROM hub.outbox WHERE id = $1`, id).Scan(&payloadID); err != nil {
		t.Fatal(err)
	}
	if payloadID != id || len(stored) != 1 || stored[0].ID != id || stored[0].Actor != "test:emit" {
		t.Errorf("stored payload id %d, read back %+v; want id %d and the actor", payloadID, stored, id)
	}
}

// TestReplayAfterReconnect: events committed while the broker's listener is disconnected
// (its backend terminated, as a database restart does) are delivered once it reconnects,
// each once; before, they were never delivered.
func TestReplayAfterReconnect(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sub := hub.Events.Subscribe(ctx, events.Filter{}, 0, nil)
	first := emit(t, hub)
	if e := next(t, sub); e.ID != first {
		t.Fatalf("got event %d, want %d", e.ID, first)
	}
	var killed int
	if err := hub.Pool.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND query ILIKE 'listen%'`).Scan(&killed); err != nil || killed == 0 {
		t.Fatalf("terminate the listener: %d backends (%v), want 1", killed, err)
	}
	var missed []int64
	for range 5 {
		missed = append(missed, emit(t, hub))
	}
	for _, id := range missed {
		if e := next(t, sub); e.ID != id {
			t.Errorf("got event %d, want %d (the events committed while the listener was away, in order)", e.ID, id)
		}
	}
	last := emit(t, hub)
	if e := next(t, sub); e.ID != last {
		t.Errorf("after the replay got event %d, want the live one %d (each event once)", e.ID, last)
	}
}

// TestSlowSubscriberIsTold: a subscriber that falls SubscriberBuffer events behind is not
// skipped silently: its stream ends with TooSlow naming the last event it received, and a
// subscription resumed after that id gets the rest from the outbox.
func TestSlowSubscriberIsTold(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sub := hub.Events.Subscribe(ctx, events.Filter{}, 0, nil)
	var ids []int64
	for i := range 3 * events.SubscriberBuffer { // the one it is handed plus the queue, and more
		id := int64(1_000_000 + i)
		ids = append(ids, id)
		hub.Events.Publish(ctx, events.Event{ID: id, Kind: events.CaseStatusChanged, At: time.Now()})
	}
	var got []int64
	for e := range sub.Events() {
		got = append(got, e.ID)
	}
	var slow *events.TooSlow
	if !errors.As(sub.Err(), &slow) {
		t.Fatalf("stream ended with %v after %d events, want *TooSlow", sub.Err(), len(got))
	}
	if len(got) == 0 || slow.LastID != got[len(got)-1] || len(got) >= len(ids) {
		t.Errorf("TooSlow names event %d after %d of %d events; want the last one received, before the end", slow.LastID, len(got), len(ids))
	}

	// Resuming after an id replays what followed it from the outbox, then goes on live.
	a, b := emit(t, hub), emit(t, hub)
	resumed := hub.Events.Subscribe(ctx, events.Filter{}, a-1, hub.Pool)
	for _, want := range []int64{a, b} {
		if e := next(t, resumed); e.ID != want {
			t.Errorf("resumed stream: event %d, want %d", e.ID, want)
		}
	}
	live := emit(t, hub)
	if e := next(t, resumed); e.ID != live {
		t.Errorf("resumed stream: event %d, want the live %d", e.ID, live)
	}
}

// TestScanRunsOncePerCluster: while another instance holds the scan lock, a scan does
// nothing; afterwards it announces the overdue measures, rows and notifications in one
// transaction.
func TestScanRunsOncePerCluster(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	ctx := auth.WithSystem(context.Background())
	other, err := pgx.Connect(ctx, hub.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(ctx)
	tx, err := other.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(0x636c6b5f7363616e)); err != nil {
		t.Fatal(err)
	}
	if n, err := events.ScanOverdueMeasures(ctx, hub.Pool); err != nil || n != 0 {
		t.Errorf("scan while another instance scans: %d announced (%v), want 0", n, err)
	}
	_ = tx.Rollback(ctx)
	if n, err := events.ScanOverdueMeasures(ctx, hub.Pool); err != nil || n == 0 {
		t.Errorf("scan after the lock is free: %d announced (%v), want the overdue measures", n, err)
	}
}

// TestPruneOutbox: rows past the retention go, except those that deduplicate scheduled
// announcements; recent rows stay.
func TestPruneOutbox(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	ctx := auth.WithSystem(context.Background())
	recent := emit(t, hub)
	old := emit(t, hub)
	if _, err := hub.Pool.Exec(ctx, `UPDATE hub.outbox SET created_at = now() - interval '8 days' WHERE id = $1`, old); err != nil {
		t.Fatal(err)
	}
	if _, err := hub.Pool.Exec(ctx, `INSERT INTO hub.outbox (topic, payload, created_at, dedupe_key) VALUES ('MEASURE_OVERDUE', '{}', now() - interval '30 days', 'test-dedupe')`); err != nil {
		t.Fatal(err)
	}
	if _, err := events.PruneOutbox(ctx, hub.Pool, events.DefaultRetention); err != nil {
		t.Fatal(err)
	}
	var left []int64
	rows, _ := hub.Pool.Query(ctx, `SELECT id FROM hub.outbox WHERE id IN ($1, $2) OR dedupe_key = 'test-dedupe' ORDER BY id`, recent, old)
	left, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 2 || left[0] != recent {
		t.Errorf("after pruning, rows %v remain; want the recent event %d and the dedupe row, not the old event %d", left, recent, old)
	}
}

// TestOutboxIDsCommitInOrder: a transaction that emits after another one did, while that
// one is still open, commits after it, so outbox ids commit in increasing order and a
// client resuming after the highest id it received misses nothing. Before, the later
// transaction committed first; a subscriber that reconnected then resumed after its higher
// id and never got the lower one (the soak run under bench/soak lost events so).
func TestOutboxIDsCommitInOrder(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	ctx := auth.WithSystem(context.Background())
	e := events.Event{Kind: events.CaseStatusChanged, EntityType: "Case", EntityID: 1, Actor: "test:order"}
	first, err := hub.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = first.Rollback(ctx) }()
	if err := events.Emit(ctx, first, e); err != nil {
		t.Fatal(err)
	}
	committed := make(chan error, 1)
	go func() {
		tx, err := hub.Pool.Begin(ctx)
		if err == nil {
			if err = events.Emit(ctx, tx, e); err == nil {
				err = tx.Commit(ctx)
			}
		}
		committed <- err
	}()
	// Wait until the second transaction has committed or waits for the first.
	for i := 0; ; i++ {
		if len(committed) > 0 {
			t.Fatalf("a transaction emitting after an open one committed first (%v): its higher outbox id was visible before the lower", <-committed)
		}
		var waiting bool
		if err := hub.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting {
			break
		}
		if i > 3000 {
			t.Fatal("the second transaction neither committed nor waited for the first")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := first.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-committed; err != nil {
		t.Fatal(err)
	}
}
