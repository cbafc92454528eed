// Package clock is the hub's one clock and the street office's calendar. Every "today" the
// hub decides with (a date that must not be in the future, the day a measure becomes
// overdue, the default as-of day of an aggregate) is the office's date in Asia/Shanghai,
// never the server's or the database's UTC date: between 00:00 and 08:00 in Shanghai the
// two differ by a day.
//
// The clock travels in the request context, so a test can fix it for one hub (see
// server.Options.Clock) or one call (With) without touching others running in parallel.
package clock

import (
	"context"
	"time"
)

// ZoneName is the IANA name of the office's time zone, for SQL (AT TIME ZONE).
const ZoneName = "Asia/Shanghai"

// Office is the office's time zone (UTC+8, no daylight saving), from the system's zone
// database when it has one, else as the fixed offset it is.
var Office = func() *time.Location {
	if l, err := time.LoadLocation(ZoneName); err == nil {
		return l
	}
	return time.FixedZone("CST", 8*3600)
}()

// Clock returns the current instant.
type Clock func() time.Time

// System is the wall clock.
func System() time.Time { return time.Now() }

// Fixed is a clock that always reads t.
func Fixed(t time.Time) Clock { return func() time.Time { return t } }

type key struct{}

// With returns ctx carrying c as its clock (the system clock when c is nil).
func With(ctx context.Context, c Clock) context.Context {
	if c == nil {
		return ctx
	}
	return context.WithValue(ctx, key{}, c)
}

// From returns ctx's clock, the system clock when it carries none.
func From(ctx context.Context) Clock {
	if c, ok := ctx.Value(key{}).(Clock); ok {
		return c
	}
	return System
}

// Now is the current instant by ctx's clock in UTC, truncated to microseconds as
// PostgreSQL stores it.
func Now(ctx context.Context) time.Time {
	return From(ctx)().UTC().Truncate(time.Microsecond)
}

// Today is the office's current date by ctx's clock, as every Date value is held: midnight
// UTC of that calendar day.
func Today(ctx context.Context) time.Time { return DateOf(From(ctx)()) }

// DateOf is the office's calendar date of instant t, at midnight UTC.
func DateOf(t time.Time) time.Time {
	y, m, d := t.In(Office).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Midnight is the instant the office's calendar day date (a Date, at midnight UTC) begins.
func Midnight(date time.Time) time.Time {
	y, m, d := date.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, Office)
}

// SQLToday is the office's today as a SQL date expression, by the database's clock, for
// the few conditions built without a request context (filters); code that has one binds
// Today(ctx) instead, so tests can fix it.
const SQLToday = "(now() AT TIME ZONE '" + ZoneName + "')::date"
