package resolvers_test

import (
	"context"
	"testing"
	"time"

	"civiclink/internal/clock"
	"civiclink/internal/globalid"
	"civiclink/internal/hubtest"
)

// TestOfficeCalendarEarlyMorning runs the hub at 02:30 in Shanghai (18:30 UTC the day
// before): "today" is the office's date, so a measure may be done today (the UTC date is
// yesterday) but not tomorrow, and a measure done without a date is done today.
func TestOfficeCalendarEarlyMorning(t *testing.T) {
	t.Parallel()
	at := time.Date(2031, 6, 15, 18, 30, 0, 0, time.UTC) // 2031-06-16 02:30 in Shanghai
	hub := hubtest.New(t, hubtest.Options{Clock: clock.Fixed(at)})
	fx := loadFixtures(t, hub)
	for _, tt := range []struct {
		name   string
		doneOn any // nil = not given
		want   string
		code   string // expected error code, "" = accepted
	}{
		{name: "office today", doneOn: "2031-06-16", want: "2031-06-16"},
		{name: "no date", want: "2031-06-16"},
		{name: "UTC today", doneOn: "2031-06-15", want: "2031-06-15"},
		{name: "office tomorrow", doneOn: "2031-06-17", code: "BAD_USER_INPUT"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			item := fx.mutate(t, "addRiskItem", "AddRiskItemInput", "riskItem", map[string]any{"gridId": fx.grid,
				"dimension": "PUBLIC_ORDER", "description": "crowding", "likelihood": 2, "impact": 2})
			m := fx.mutate(t, "addMeasure", "AddMeasureInput", "measure", map[string]any{"riskItemId": item.ID,
				"action": "patrol", "ownerUnit": "station", "dueOn": "2031-07-01"})
			m = fx.mutate(t, "advanceMeasure", "AdvanceMeasureInput", "measure", map[string]any{"measureId": m.ID, "version": m.Version, "to": "IN_PROGRESS"})
			in := map[string]any{"measureId": m.ID, "version": m.Version, "to": "DONE"}
			if tt.doneOn != nil {
				in["doneOn"] = tt.doneOn
			}
			res := fx.try(t, "advanceMeasure", "AdvanceMeasureInput", "measure { status }", in)
			if tt.code != "" {
				if len(res.Errors) != 1 || res.Errors[0].Code() != tt.code || res.Errors[0].Extensions["field"] != "doneOn" {
					t.Fatalf("doneOn %v at %s: got %s, want one %s error on doneOn", tt.doneOn, at, res.Raw, tt.code)
				}
				return
			}
			if len(res.Errors) > 0 {
				t.Fatalf("doneOn %v at %s (office date 2031-06-16): got %s, want it accepted", tt.doneOn, at, res.Raw)
			}
			pk, err := globalid.DecodeAs(m.ID, "Measure")
			if err != nil {
				t.Fatal(err)
			}
			var done time.Time
			if err := hub.Pool.QueryRow(context.Background(), "SELECT done_on FROM risk.measure WHERE id = $1", pk).Scan(&done); err != nil {
				t.Fatalf("read done_on: %v", err)
			}
			if got := done.Format(time.DateOnly); got != tt.want {
				t.Errorf("done_on = %s, want %s", got, tt.want)
			}
		})
	}
}
