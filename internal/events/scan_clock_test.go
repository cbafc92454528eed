package events_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"civiclink/internal/auth"
	"civiclink/internal/clock"
	"civiclink/internal/events"
	"civiclink/internal/hubtest"
)

// TestScanUsesOfficeCalendar: a measure becomes overdue when the office's day (Asia/Shanghai)
// passes its due day plus grace, whatever the database server's date: the scan is told
// the office's date by the clock of its context.
func TestScanUsesOfficeCalendar(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	ctx := auth.WithSystem(context.Background())
	due := time.Date(2031, 6, 1, 0, 0, 0, 0, time.UTC)
	var id int64
	var grace int
	err := hub.Pool.QueryRow(ctx, `INSERT INTO risk.measure (risk_item_id, action, owner_unit, due_on, status)
		SELECT id, 'patrol', 'station', $1, 'PLANNED' FROM risk.risk_item ORDER BY id LIMIT 1
		RETURNING id, hub.rule_days('MEASURE_OVERDUE', due_on)`, due).Scan(&id, &grace)
	if err != nil {
		t.Fatalf("insert measure: %v", err)
	}
	// The first office day on which the measure is overdue.
	overdue := clock.Midnight(due.AddDate(0, 0, grace+1))
	key := fmt.Sprintf("measure-overdue:%d:%s", id, due.Format(time.DateOnly))
	for _, tt := range []struct {
		name string
		at   time.Time
		want bool
	}{
		{"the last office hour before", overdue.Add(-time.Hour), false},
		{"01:00 office time, still the day before in UTC", overdue.Add(time.Hour), true},
	} {
		if _, err := events.ScanOverdueMeasures(clock.With(ctx, clock.Fixed(tt.at)), hub.Pool); err != nil {
			t.Fatalf("%s: scan: %v", tt.name, err)
		}
		var announced bool
		if err := hub.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM hub.outbox WHERE dedupe_key = $1)`, key).Scan(&announced); err != nil {
			t.Fatalf("read outbox: %v", err)
		}
		if announced != tt.want {
			t.Errorf("%s (%s): measure due %s with %d days of grace announced = %v, want %v", tt.name, tt.at, due.Format(time.DateOnly), grace, announced, tt.want)
		}
	}
}
