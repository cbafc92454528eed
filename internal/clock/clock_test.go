package clock

import (
	"context"
	"testing"
	"time"
)

// TestToday: the office's date changes at 16:00 UTC (midnight in Shanghai), and a context's
// clock decides it.
func TestToday(t *testing.T) {
	for _, tt := range []struct {
		at   string
		want string
	}{
		{"2026-03-10T15:59:59Z", "2026-03-10"},
		{"2026-03-10T16:00:00Z", "2026-03-11"},
		{"2026-03-10T23:30:00Z", "2026-03-11"},
		{"2026-12-31T16:00:00Z", "2027-01-01"},
	} {
		at, err := time.Parse(time.RFC3339, tt.at)
		if err != nil {
			t.Fatal(err)
		}
		got := Today(With(context.Background(), Fixed(at)))
		if got.Format(time.DateOnly) != tt.want || got.Location() != time.UTC || got.Hour() != 0 {
			t.Errorf("Today at %s = %s, want %s at midnight UTC", tt.at, got, tt.want)
		}
		if m := Midnight(got); m.After(at) || at.Sub(m) >= 24*time.Hour {
			t.Errorf("Midnight(%s) = %s, want the office midnight starting the day of %s", got, m, tt.at)
		}
	}
	if With(context.Background(), nil) != context.Background() {
		t.Error("With(ctx, nil) changed the context, want the system clock kept")
	}
	if d := time.Since(From(context.Background())()); d < 0 || d > time.Minute {
		t.Errorf("a context without a clock reads %v from now, want the system clock", d)
	}
}
