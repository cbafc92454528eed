// Package rules holds the street office's published rules of deadlines and duties as data
// (hub.rule): how soon an urgent grid event must be answered, how soon police must be on the
// scene, when a risk measure is overdue, when an agreement must have been visited, and who is
// reminded. Each rule has versions with validity periods; the hub computes every deadline,
// overdue flag and reminder from the version in force when the duty arose (InForce), so
// publishing a new version (Publish) changes nothing before its validity date.
package rules

import (
	"context"
	"fmt"
	"time"

	"civiclink/db/loaders"
	"civiclink/db/store"
	"civiclink/internal/access"
	"civiclink/internal/clock"
	"civiclink/internal/globalid"
)

// The codes of the rules the hub applies.
const (
	// GridEventDue is the prefix of the due-time rules of grid events, one per urgency
	// (GRID_EVENT_DUE_HIGH …): a reported event is due closed within the deadline.
	GridEventDue = "GRID_EVENT_DUE_"
	// GridEventResponse is the prefix of the response rules of grid events, one per urgency:
	// a grid worker handles the event on the spot within the deadline.
	GridEventResponse = "GRID_EVENT_RESPONSE_"
	// CaseOnScene: police are on the scene within the deadline of receiving a case.
	CaseOnScene = "CASE_ON_SCENE"
	// DisputeFirstContact: a committee accepts a dispute within the deadline of receiving it.
	DisputeFirstContact = "DISPUTE_FIRST_CONTACT"
	// MeasureOverdue: a measure not done is overdue once the days of grace after its due
	// day have passed.
	MeasureOverdue = "MEASURE_OVERDUE"
	// AgreementFollowUp: an agreement with no follow-up visit is overdue once the days of
	// grace after its performance deadline have passed; the grid worker is reminded.
	AgreementFollowUp = "AGREEMENT_FOLLOW_UP"
)

// Rule is one version of one rule.
type Rule struct {
	PK              int64      `db:"id"`
	Code            string     `db:"code"`
	Version         int        `db:"version"`
	Subject         string     `db:"subject"`
	Duty            string     `db:"duty"`
	Urgency         *string    `db:"urgency"`
	DeadlineMinutes int        `db:"deadline_minutes"`
	Remind          string     `db:"remind"`
	Description     string     `db:"description"`
	ValidFrom       time.Time  `db:"valid_from"`
	ValidTo         *time.Time `db:"valid_to"`
	Reason          *string    `db:"reason"`
	CreatedBy       string     `db:"created_by"`
	CreatedAt       time.Time  `db:"created_at"`
}

// ID returns the global ID.
func (r *Rule) ID() string { return globalid.Encode("Rule", r.PK) }

// InForceAt reports whether the version is in force at instant at.
func (r *Rule) InForceAt(at time.Time) bool {
	return !r.ValidFrom.After(at) && (r.ValidTo == nil || r.ValidTo.After(at))
}

// Deadline is the time the rule allows.
func (r *Rule) Deadline() time.Duration { return time.Duration(r.DeadlineMinutes) * time.Minute }

// GraceDays is the rule's deadline in whole days, for rules about days (measures, agreements).
func (r *Rule) GraceDays() int { return r.DeadlineMinutes / (24 * 60) }

// Change is one logged edit of a rule.
type Change struct {
	PK     int64     `db:"id"`
	RuleID int64     `db:"rule_id"`
	Action string    `db:"action"`
	At     time.Time `db:"at"`
	Actor  string    `db:"actor"`
	Reason *string   `db:"reason"`
}

// Tables of the rules: published to every role that reads reference data.
var (
	Rules = store.NewTable[Rule]("hub.rule").WithPolicy(access.Policy(access.Reference))
	Log   = store.NewTable[Change]("hub.rule_log").WithPolicy(access.Policy(access.Reference))
)

// Relations of the rules, each served by a per-request batch loader.
var (
	ByID        = loaders.ByID(Rules, func(r *Rule) int64 { return r.PK })
	ChangesOf   = loaders.Children(Log, "rule_id", "t.at, t.id", func(c *Change) int64 { return c.RuleID })
	versionsOf  = loaders.Keyed(loadVersions)
	allVersions = "t.code, t.valid_from"
)

func loadVersions(ctx context.Context, db store.Querier, codes []string) (map[string][]*Rule, error) {
	list, err := Rules.Select(ctx, db, store.Conds{store.In("code", codes)}, allVersions)
	if err != nil {
		return nil, fmt.Errorf("load rules: %w", err)
	}
	out := make(map[string][]*Rule, len(codes))
	for _, r := range list {
		out[r.Code] = append(out[r.Code], r)
	}
	return out, nil
}

// Versions returns every version of rule code, oldest first.
func Versions(ctx context.Context, code string) ([]*Rule, error) {
	return versionsOf.Load(ctx, code)
}

// InForce returns the version of rule code in force at instant at, nil when none is.
// The versions of a request's codes are read once, in one statement.
func InForce(ctx context.Context, code string, at time.Time) (*Rule, error) {
	list, err := Versions(ctx, code)
	if err != nil {
		return nil, err
	}
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].InForceAt(at) {
			return list[i], nil
		}
	}
	return nil, nil
}

// InForceOn returns the version of rule code in force at the start of day (a Date, at
// midnight UTC) in the office's time zone, like the SQL function hub.rule_days.
func InForceOn(ctx context.Context, code string, day time.Time) (*Rule, error) {
	return InForce(ctx, code, StartOfDay(day))
}

// StartOfDay is the instant day (a Date at midnight UTC) begins in the office's time zone:
// a rule in force "on a day" is the one in force at the start of that day there.
func StartOfDay(day time.Time) time.Time { return clock.Midnight(day) }

// Changes are the logged edits of the version, oldest first.
func (r *Rule) Changes(ctx context.Context) ([]*Change, error) { return ChangesOf.Load(ctx, r.PK) }
